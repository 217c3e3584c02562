using Microsoft.Extensions.Options;
using TokenCenter.Protocol;
using TokenCenter.Protocol.Server;
using TokenCenter.Server.Observability;

namespace TokenCenter.Server.Security;

/// <summary>
/// Wraps gRPC handlers when they are mapped: authenticates the caller (UNAUTHENTICATED), checks its
/// permissions (PERMISSION_DENIED), limits its WatchTokens streams (RESOURCE_EXHAUSTED), and ends
/// long streams with UNAVAILABLE when the server stops. The services themselves know nothing of it.
/// </summary>
internal sealed class GrpcCallGuard(
    ApiKeyRegistry registry,
    IOptions<LimitsOptions> limits,
    TokenCenterMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<GrpcCallGuard> logger)
{
    private readonly WatchStreamLimiter _watchers = new(limits.Value.WatchStreamsPerCaller);

    public Func<TRequest, ServerCallContext, Task<TResponse>> Unary<TRequest, TResponse>(
        Func<TRequest, ServerCallContext, Task<TResponse>> handler, Access access, Func<TRequest, IEnumerable<string>>? apps = null) =>
        (request, context) =>
        {
            if (access != Access.Open && registry.Enabled)
            {
                // The app list is built only when there is a caller to check it against.
                Authorize(context, access, apps?.Invoke(request));
            }

            return handler(request, context);
        };

    public Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> Streaming<TRequest, TResponse>(
        Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler, Access access, Func<TRequest, IEnumerable<string>>? apps = null, bool isWatch = false) =>
        async (request, writer, context) =>
        {
            var caller = Authorize(context, access, apps?.Invoke(request));
            using var slot = isWatch ? _watchers.Enter(PartitionOf(context, caller)) : null;
            if (isWatch)
            {
                metrics.WatchSubscribers(1);
            }

            var stopping = lifetime.ApplicationStopping;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
            try
            {
                await handler(request, writer, new StoppingCallContext(context, linked.Token)).ConfigureAwait(false);
            }
            catch (Exception) when (stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                throw ShuttingDown();
            }
            finally
            {
                if (isWatch)
                {
                    metrics.WatchSubscribers(-1);
                }
            }

            if (stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                throw ShuttingDown();
            }
        };

    private static RpcException ShuttingDown() => new(StatusCode.Unavailable, "the server is shutting down; reconnect");

    private string PartitionOf(ServerCallContext context, ApiCaller caller) =>
        registry.Enabled ? caller.Name : (context.HttpContext?.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private ApiCaller Authorize(ServerCallContext context, Access access, IEnumerable<string>? apps)
    {
        if (access == Access.Open || !registry.Enabled)
        {
            return ApiCaller.Anonymous;
        }

        var (credential, caller) = context.HttpContext is { } http
            ? CallerResolution.Resolve(http, registry)
            : (Credential.Missing, null);
        if (caller is null)
        {
            throw Refuse(context, StatusCode.Unauthenticated, credential == Credential.Missing
                ? "missing API key: send the metadata 'authorization: Bearer <key>'"
                : "unknown API key");
        }

        if (access == Access.Operator && !caller.Operator)
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"API key '{caller.Name}' is not an operator key (Auth:Keys:N:Operator)");
        }

        if (access == Access.ForceRefresh && !caller.CanForceRefresh)
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"API key '{caller.Name}' may not call ForceRefresh (Auth:Keys:N:CanForceRefresh)");
        }

        foreach (var app in apps ?? [])
        {
            if (app.Length > 0 && !caller.MayRead(app))
            {
                throw Refuse(context, StatusCode.PermissionDenied, $"API key '{caller.Name}' is not allowed for app '{Printable(app)}' (Auth:Keys:N:Apps)");
            }
        }

        return caller;
    }

    private RpcException Refuse(ServerCallContext context, StatusCode status, string reason)
    {
        SecurityLog.Refused(logger, context.Method, context.Peer, status.ToString(), reason);
        return new RpcException(status, reason);
    }

    private static string Printable(string value)
    {
        var shown = value.Length > 40 ? value[..40] + "..." : value;
        return new string([.. shown.Select(c => c is < ' ' or > '~' ? '?' : c)]);
    }
}
