using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

/// <summary>
/// ACCESS_TOKEN grant. Stable apps: normal mode, and <c>force_refresh=true</c> through
/// <see cref="FetchForcedAsync"/> (the engine calls it only when normal mode answers the stale value).
/// Classic apps: every call issues a new token.
/// </summary>
internal sealed class AccessTokenSource : ITokenSource
{
    private readonly AppCatalog _apps;
    private readonly IWeChatTokenClient _client;
    private readonly RefreshOptions _refresh;
    private readonly TokenSlotKey[] _keys;

    public AccessTokenSource(AppCatalog apps, IWeChatTokenClient client, IOptions<TokenCenterOptions> options)
    {
        _apps = apps;
        _client = client;
        _refresh = options.Value.Refresh;
        _keys = [.. apps.All.Select(a => TokenSlotKey.AccessToken(a.AppId))];
    }

    public TokenKind Kind => TokenKind.AccessToken;

    public IReadOnlyCollection<TokenSlotKey> Keys => _keys;

    public string GrantName(TokenSlotKey key) => App(key).Grant.Name();

    public RefreshWindow Window(TokenSlotKey key) => App(key).Grant == AccessTokenGrant.Stable
        ? new RefreshWindow(_refresh.StableAhead, _refresh.StableJitter)
        : new RefreshWindow(_refresh.Ahead, _refresh.Jitter);

    public Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken) =>
        _client.GetAccessTokenAsync(App(key), forceRefresh: false, cancellationToken);

    public bool HasForceMode(TokenSlotKey key) => App(key).Grant == AccessTokenGrant.Stable;

    public Task<UpstreamTokenResult> FetchForcedAsync(TokenSlotKey key, CancellationToken cancellationToken) =>
        _client.GetAccessTokenAsync(App(key), forceRefresh: true, cancellationToken);

    private AppCredentials App(TokenSlotKey key) => _apps.Find(key.AppId) ?? throw new UnknownTokenKeyException(key);
}
