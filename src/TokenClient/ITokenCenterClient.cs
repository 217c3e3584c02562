namespace TokenCenter.Client;

/// <summary>
/// Gets WeChat credentials from TokenCenter. Tokens are cached in memory and kept current by a push
/// stream, so once a key is known, <c>Get…Async</c> is a memory read that completes synchronously.
/// Register it with <c>services.AddTokenCenterClient(…)</c>; thread-safe, one per process.
/// </summary>
/// <remarks>Failures throw <see cref="TokenCenterException"/>; an expired token is never returned.</remarks>
public interface ITokenCenterClient
{
    /// <summary>The access_token of <paramref name="appId"/>.</summary>
    ValueTask<string> GetAccessTokenAsync(string appId, CancellationToken cancellationToken = default);

    /// <summary>The component_access_token of the third-party platform <paramref name="componentAppId"/>.</summary>
    ValueTask<string> GetComponentAccessTokenAsync(string componentAppId, CancellationToken cancellationToken = default);

    /// <summary>The authorizer_access_token of <paramref name="authorizerAppId"/> under <paramref name="componentAppId"/>.</summary>
    ValueTask<string> GetAuthorizerAccessTokenAsync(string componentAppId, string authorizerAppId, CancellationToken cancellationToken = default);

    /// <summary>The jsapi_ticket or wx_card api_ticket of <paramref name="appId"/>.</summary>
    ValueTask<string> GetTicketAsync(string appId, TicketKind kind, CancellationToken cancellationToken = default);

    /// <summary>The current token of any <paramref name="key"/>, with its expiry and version.</summary>
    ValueTask<TokenInfo> GetTokenAsync(TokenKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports that WeChat rejected <paramref name="staleValue"/> (40001 / 40014 / 42001) and returns a
    /// newer token. Compare-and-refresh on the server: when the value is no longer current, the current
    /// token is returned and WeChat is not called. A refusal by the forced-refresh budget throws
    /// <see cref="TokenCenterException"/> with ResourceExhausted and <see cref="TokenCenterException.RetryAfter"/>.
    /// </summary>
    Task<TokenInfo> ForceRefreshAsync(TokenKey key, string staleValue, CancellationToken cancellationToken = default);

    /// <summary>
    /// The current token of <paramref name="key"/>, then every newer one as the server pushes it
    /// (versions only grow; reconnections are handled inside), until <paramref name="cancellationToken"/> fires.
    /// </summary>
    IAsyncEnumerable<TokenInfo> WatchAsync(TokenKey key, CancellationToken cancellationToken = default);
}
