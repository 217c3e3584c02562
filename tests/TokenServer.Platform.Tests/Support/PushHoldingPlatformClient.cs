using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Upstream;

namespace TokenServer.Platform.Tests.Support;

/// <summary>
/// The real platform client, except that api_start_push_ticket (asked for by a component token refresh that found no
/// ticket) is held until <see cref="Release"/>: that refresh stays in flight, as on a slow network. Counts
/// api_component_token calls made through it.
/// </summary>
internal sealed class PushHoldingPlatformClient(IPlatformClient inner) : IPlatformClient
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _componentTokenCalls;

    /// <summary>Completed when a push request has reached the gate.</summary>
    public TaskCompletionSource PushHeld { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int ComponentTokenCalls => Volatile.Read(ref _componentTokenCalls);

    public void Release() => _gate.TrySetResult();

    public Task<UpstreamTokenResult> GetComponentTokenAsync(string componentAppId, string secret, string ticket, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _componentTokenCalls);
        return inner.GetComponentTokenAsync(componentAppId, secret, ticket, cancellationToken);
    }

    public async Task<(int ErrCode, string ErrMsg)> StartPushTicketAsync(string componentAppId, string secret, CancellationToken cancellationToken)
    {
        PushHeld.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await inner.StartPushTicketAsync(componentAppId, secret, cancellationToken).ConfigureAwait(false);
    }

    public Task<UpstreamTokenResult> CreatePreAuthCodeAsync(string componentAppId, string componentAccessToken, CancellationToken cancellationToken) =>
        inner.CreatePreAuthCodeAsync(componentAppId, componentAccessToken, cancellationToken);

    public Task<AuthorizerTokenResult> QueryAuthAsync(string componentAppId, string componentAccessToken, string authorizationCode, CancellationToken cancellationToken) =>
        inner.QueryAuthAsync(componentAppId, componentAccessToken, authorizationCode, cancellationToken);

    public Task<AuthorizerTokenResult> RefreshAuthorizerTokenAsync(string componentAppId, string componentAccessToken, string authorizerAppId, string refreshToken, CancellationToken cancellationToken) =>
        inner.RefreshAuthorizerTokenAsync(componentAppId, componentAccessToken, authorizerAppId, refreshToken, cancellationToken);
}
