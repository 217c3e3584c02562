using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Tickets;

/// <summary>
/// JSAPI_TICKET / WX_CARD_TICKET grant (one instance per kind): <c>getticket</c> with the current access token of the
/// same app: ACCESS_TOKEN for an app's own ticket (no component), AUTHORIZER_ACCESS_TOKEN for an authorizer's.
/// Its keys are dynamic (created on first request, <see cref="JsSdkTicketKeyProvider"/>), so <see cref="Keys"/> is empty.
/// The engine (for the access token) comes as <see cref="Lazy{T}"/>: the engine is built with its sources.
/// When getticket rejects the access token (40001 / 42001), the access token is force-refreshed once (compare-and-refresh
/// with the value used) and getticket is retried once with the new one.
/// </summary>
internal sealed class JsSdkTicketSource(TokenKind kind, Lazy<IAccessTokenReader> tokens, WeChatTicketClient client, IOptions<TokenCenterOptions> options, ILogger<JsSdkTicketSource> logger) : ITokenSource
{
    public TokenKind Kind => kind;

    public IReadOnlyCollection<TokenSlotKey> Keys => [];

    /// <summary>The <c>type</c> parameter of getticket.</summary>
    public string Type => kind == TokenKind.WxCardTicket ? "wx_card" : "jsapi";

    public static bool IsTicket(TokenKind kind) => kind is TokenKind.JsapiTicket or TokenKind.WxCardTicket;

    /// <summary>The access token a ticket is fetched with.</summary>
    public static TokenSlotKey AccessTokenOf(TokenSlotKey ticket) => ticket.ComponentAppId.Length == 0
        ? TokenSlotKey.AccessToken(ticket.AppId)
        : new TokenSlotKey(TokenKind.AuthorizerAccessToken, ticket.ComponentAppId, ticket.AppId);

    public string GrantName(TokenSlotKey key) => $"getticket ({Type})";

    public RefreshWindow Window(TokenSlotKey key) => new(options.Value.Refresh.Ahead, options.Value.Refresh.Jitter);

    public async Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken)
    {
        var engine = tokens.Value;
        var accessKey = AccessTokenOf(key);
        var accessToken = await engine.GetAsync(accessKey, cancellationToken).ConfigureAwait(false);
        var result = await client.GetTicketAsync(key.AppId, accessToken.Value, Type, cancellationToken).ConfigureAwait(false);
        if (result.IsSuccess || !IsAccessTokenRejected(result.ErrCode))
        {
            return result;
        }

        // Replaced elsewhere or revoked: one compare-and-refresh of the access token, then one retry.
        TicketLog.AccessTokenRejected(logger, Type, accessKey.ToString(), result.ErrCode, TokenFingerprint.Of(accessToken.Value));
        TokenCenter.V1.Token fresh;
        try
        {
            fresh = await engine.ForceRefreshAsync(accessKey, accessToken.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (ForcedRefreshBudgetExceededException)
        {
            return result; // the forced-refresh budget refused: the ticket fails with WeChat's answer
        }

        return await client.GetTicketAsync(key.AppId, fresh.Value, Type, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>40001 (invalid credential) and 42001 (access token expired): the access token was refused.</summary>
    private static bool IsAccessTokenRejected(int errCode) => errCode is 40001 or 42001;
}
