using Microsoft.Extensions.Logging;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.V1;

namespace TokenCenter.Server.Tickets;

/// <summary>
/// Keeps the JS-SDK ticket slots (created on first request, <see cref="JsSdkTicketKeyProvider"/>) in line with their
/// access tokens: fetches the tickets of an app again when its access token was force-refreshed here; drops an
/// authorizer's tickets when it unauthorized (when the platform is registered).
/// </summary>
internal sealed class JsSdkTicketRegistry : IDisposable
{
    private static readonly TokenKind[] TicketKinds = [TokenKind.JsapiTicket, TokenKind.WxCardTicket];
    private readonly TokenEngine _engine;
    private readonly IAuthorizerStore? _authorizers;
    private readonly ILogger _logger;

    public JsSdkTicketRegistry(TokenEngine engine, ILogger<JsSdkTicketRegistry> logger, IAuthorizerStore? authorizers = null)
    {
        _engine = engine;
        _logger = logger;
        engine.ForceRefreshed += OnForceRefreshed;
        _authorizers = authorizers;
        if (_authorizers is not null)
        {
            _authorizers.AuthorizerRemoved += OnAuthorizerRemoved;
        }
    }

    public void Dispose()
    {
        _engine.ForceRefreshed -= OnForceRefreshed;
        if (_authorizers is not null)
        {
            _authorizers.AuthorizerRemoved -= OnAuthorizerRemoved;
        }
    }

    private void OnForceRefreshed(TokenSlotKey accessToken)
    {
        if (accessToken.Kind is not (TokenKind.AccessToken or TokenKind.AuthorizerAccessToken))
        {
            return;
        }

        foreach (var kind in TicketKinds)
        {
            var key = new TokenSlotKey(kind, accessToken.ComponentAppId, accessToken.AppId);
            if (!_engine.TryGetSlot(key, out var slot) || slot.State is null)
            {
                continue; // never asked for here: fetched with the new access token on first request
            }

            TicketLog.RefetchAfterForce(_logger, accessToken.ToString(), key.KindName);
            _ = Task.Run(async () =>
            {
                try
                {
                    await _engine.RefreshNowAsync(key).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is UpstreamUnavailableException or TokenUnavailableException or UnknownTokenKeyException or OperationCanceledException)
                {
                    TicketLog.RefreshFailed(_logger, key.ToString(), ex.Message);
                }
            });
        }
    }

    private void OnAuthorizerRemoved(AuthorizerId id)
    {
        foreach (var kind in TicketKinds)
        {
            _engine.RemoveDynamicSlot(new TokenSlotKey(kind, id.ComponentAppId, id.AppId));
        }
    }
}
