using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TokenCenter.Protocol;
using TokenCenter.Protocol.Server;

namespace TokenCenter.Server.Grpc;

/// <summary>
/// grpc.health.v1.Health (grpc/grpc doc/health-checking.md) over the ASP.NET Core health checks
/// tagged "ready": "" is the whole server, "tokencenter.v1.TokenCenter" the token service. Check
/// answers NOT_FOUND for another name; Watch streams SERVICE_UNKNOWN for it, and every change.
/// </summary>
public sealed class HealthService(HealthCheckService healthChecks, TimeProvider time)
{
    /// <summary>The service names this server knows.</summary>
    public static readonly IReadOnlySet<string> KnownServices = new HashSet<string>(StringComparer.Ordinal)
    {
        string.Empty,
        "tokencenter.v1.TokenCenter",
    };

    /// <summary>How often Watch re-evaluates the health checks.</summary>
    public static TimeSpan WatchInterval { get; set; } = TimeSpan.FromSeconds(1);

    public async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!KnownServices.Contains(request.Service))
        {
            throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        }

        return new HealthCheckResponse { Status = await EvaluateAsync(context.CancellationToken).ConfigureAwait(false) };
    }

    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> writer, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(context);
        var token = context.CancellationToken;
        HealthCheckResponse.Types.ServingStatus? last = null;
        while (!token.IsCancellationRequested)
        {
            var status = KnownServices.Contains(request.Service)
                ? await EvaluateAsync(token).ConfigureAwait(false)
                : HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
            if (status != last)
            {
                await writer.WriteAsync(new HealthCheckResponse { Status = status }, token).ConfigureAwait(false);
                last = status;
            }

            try
            {
                await Task.Delay(WatchInterval, time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<HealthCheckResponse.Types.ServingStatus> EvaluateAsync(CancellationToken cancellationToken)
    {
        var report = await healthChecks.CheckHealthAsync(r => r.Tags.Contains(HealthTags.Ready), cancellationToken).ConfigureAwait(false);
        return report.Status == HealthStatus.Unhealthy
            ? HealthCheckResponse.Types.ServingStatus.NotServing
            : HealthCheckResponse.Types.ServingStatus.Serving;
    }
}
