using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Observability;
using TokenCenter.V1;

namespace TokenCenter.Server.Security;

/// <summary>
/// The gRPC interceptor of <c>tokencenter.v1.TokenCenter</c> (not of health or reflection):
/// authenticates the caller (UNAUTHENTICATED), checks its permissions for the method and the apps the
/// request names (PERMISSION_DENIED), limits its WatchTokens streams (RESOURCE_EXHAUSTED), and ends
/// long streams with UNAVAILABLE when the server stops. The service methods know nothing of it.
/// </summary>
internal sealed class CallGuardInterceptor(
    ApiKeyRegistry registry,
    IOptions<LimitsOptions> limits,
    TokenCenterMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<CallGuardInterceptor> logger) : Interceptor
{
    private readonly WatchStreamLimiter _watchers = new(limits.Value.WatchStreamsPerCaller);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (registry.Enabled)
        {
            // The app list is built only when there is a caller to check it against.
            var caller = Authorize(context, request);
            if (request is ForceRefreshRequest)
            {
                CallerName.Set(context, caller.Name); // for the audit trail of forced refreshes
            }
        }

        return continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var caller = registry.Enabled ? Authorize(context, request) : ApiCaller.Anonymous;
        var isWatch = request is WatchTokensRequest;
        using var slot = isWatch ? _watchers.Enter(PartitionOf(context, caller)) : null;
        if (isWatch)
        {
            metrics.WatchSubscribers(1);
        }

        var stopping = lifetime.ApplicationStopping;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        try
        {
            await continuation(request, responseStream, new StoppingCallContext(context, linked.Token)).ConfigureAwait(false);
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
    }

    private static RpcException ShuttingDown() => new(new Status(StatusCode.Unavailable, "the server is shutting down; reconnect"));

    /// <summary>What a method needs, by its request type; an unknown method needs an operator key.</summary>
    private static MethodAccess AccessOf(object request) => request switch
    {
        GetTokenRequest or WatchTokensRequest or CreatePreAuthCodeRequest or ListAuthorizersRequest => MethodAccess.Token,
        ForceRefreshRequest => MethodAccess.ForceRefresh,
        _ => MethodAccess.Operator,
    };

    /// <summary>The app ids a request names, for authorization (the app, else the component).</summary>
    private static IEnumerable<string> AppsOf(object request) => request switch
    {
        GetTokenRequest r => AppsOf(r.Key),
        ForceRefreshRequest r => AppsOf(r.Key),
        WatchTokensRequest r => r.Keys.SelectMany(AppsOf),
        CreatePreAuthCodeRequest r => [r.ComponentAppId],
        ListAuthorizersRequest r => [r.ComponentAppId],
        _ => [],
    };

    private static IEnumerable<string> AppsOf(TokenKey? key) =>
        key is null ? [] : key.AppId.Length > 0 ? [key.AppId] : [key.ComponentAppId];

    private string PartitionOf(ServerCallContext context, ApiCaller caller) =>
        registry.Enabled ? caller.Name : (context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private ApiCaller Authorize(ServerCallContext context, object request)
    {
        var access = AccessOf(request);
        var (credential, caller) = CallerResolution.Resolve(context.GetHttpContext(), registry);
        if (caller is null)
        {
            throw Refuse(context, StatusCode.Unauthenticated, credential == Credential.Missing
                ? "missing API key: send the metadata 'authorization: Bearer <key>'"
                : "unknown API key");
        }

        if (access == MethodAccess.Operator && !caller.Operator)
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"API key '{caller.Name}' is not an operator key (Auth:Keys:N:Operator)");
        }

        if (access == MethodAccess.ForceRefresh && !caller.CanForceRefresh)
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"API key '{caller.Name}' may not call ForceRefresh (Auth:Keys:N:CanForceRefresh)");
        }

        foreach (var app in AppsOf(request))
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
        return new RpcException(new Status(status, reason));
    }

    private static string Printable(string value)
    {
        var shown = value.Length > 40 ? value[..40] + "..." : value;
        return new string([.. shown.Select(c => c is < ' ' or > '~' ? '?' : c)]);
    }
}
