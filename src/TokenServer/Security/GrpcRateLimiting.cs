using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using TokenCenter.Protocol;
using TokenCenter.Server.Observability;

namespace TokenCenter.Server.Security;

/// <summary>
/// Per-caller rate limits with ASP.NET Core rate limiting: every gRPC call counts against the caller's
/// RPC window, ForceRefresh also against a stricter one. Partitions are API key names (or the remote IP
/// without a key). A rejection is a trailers-only gRPC RESOURCE_EXHAUSTED, never HTTP 429.
/// </summary>
internal static class GrpcRateLimiting
{
    private const string ForceRefreshPath = "/tokencenter.v1.TokenCenter/ForceRefresh";

    public static IServiceCollection AddGrpcRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitsOptions>>((o, limits) =>
        {
            var l = limits.Value;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = OnRejectedAsync;
            if (!l.RateLimiting)
            {
                // No global limiter at all: its partition lookups (a lock each) and chained leases
                // would otherwise run for every request only to grant a no-op lease.
                return;
            }

            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => IsGrpc(http)
                    ? RateLimitPartition.GetFixedWindowLimiter("rpc|" + Partition(http), _ => Window(l.RpcPermitLimit, l.RpcWindow))
                    : RateLimitPartition.GetNoLimiter(string.Empty)),
                PartitionedRateLimiter.Create<HttpContext, string>(http => IsGrpc(http) && http.Request.Path == ForceRefreshPath
                    ? RateLimitPartition.GetFixedWindowLimiter("force|" + Partition(http), _ => Window(l.ForceRefreshPermitLimit, l.ForceRefreshWindow))
                    : RateLimitPartition.GetNoLimiter(string.Empty)));
        });
        return services;
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static string Partition(HttpContext http) => CallerResolution.Partition(http, http.RequestServices.GetRequiredService<ApiKeyRegistry>());

    private static bool IsGrpc(HttpContext http) =>
        http.Request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    private static ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var path = http.Request.Path.ToString();
        var services = http.RequestServices;
        services.GetRequiredService<TokenCenterMetrics>().RateLimited(path == ForceRefreshPath ? "force_refresh" : "rpc");
        SecurityLog.RateLimited(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GrpcRateLimiting).FullName!), Partition(http), path);
        if (!IsGrpc(http))
        {
            return ValueTask.CompletedTask;
        }

        // Trailers-only: HEADERS with END_STREAM carrying the status (doc/PROTOCOL-HTTP2.md).
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = ((int)StatusCode.ResourceExhausted).ToString(CultureInfo.InvariantCulture);
        var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : (TimeSpan?)null;
        http.Response.Headers["grpc-message"] = retry is { } r
            ? $"rate limit reached for this caller; retry after {Math.Ceiling(r.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s"
            : "rate limit reached for this caller";
        if (retry is { } delay)
        {
            http.Response.Headers["retry-after-ms"] = ((long)Math.Ceiling(delay.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }

        return ValueTask.CompletedTask;
    }
}
