using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

/// <summary>
/// ACCESS_TOKEN grant. Stable apps: normal mode, and for a forced refresh <c>force_refresh=true</c> only
/// when WeChat still answers the stale value. Classic apps: every call issues a new token.
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

    public async Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken)
    {
        var app = App(key);
        var result = await _client.GetAccessTokenAsync(app, forceRefresh: false, cancellationToken).ConfigureAwait(false);
        if (app.Grant == AccessTokenGrant.Stable && staleValue is not null && result.IsSuccess && result.Token == staleValue)
        {
            result = await _client.GetAccessTokenAsync(app, forceRefresh: true, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    private AppCredentials App(TokenSlotKey key) => _apps.Find(key.AppId) ?? throw new UnknownTokenKeyException(key);
}
