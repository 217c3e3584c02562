using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.V1;

namespace TokenCenter.Server.Tickets;

/// <summary>
/// Creates the slot of a JS-SDK ticket on its first request, when the access token it depends on is served (a
/// configured app, or an authorizer, loaded from the store if need be); fetches the tickets of an app again when its
/// access token was force-refreshed here; drops an authorizer's tickets when it unauthorized.
/// </summary>
internal sealed class JsSdkTicketRegistry : IDisposable
{
    private static readonly TokenKind[] TicketKinds = [TokenKind.JsapiTicket, TokenKind.WxCardTicket];
    private readonly TokenEngine _engine;
    private readonly Dictionary<TokenKind, JsSdkTicketSource> _sources;
    private readonly Func<TokenSlotKey, CancellationToken, ValueTask<bool>>? _inner;
    private readonly IAuthorizerStore? _authorizers;
    private readonly ILogger _logger;

    public JsSdkTicketRegistry(TokenEngine engine, IEnumerable<ITokenSource> sources, IServiceProvider services, ILogger<JsSdkTicketRegistry> logger)
    {
        _engine = engine;
        _logger = logger;
        _sources = sources.OfType<JsSdkTicketSource>().ToDictionary(s => s.Kind);
        // The authorizer registry installs its key loader when created: create it first, then chain to it.
        services.GetService<AuthorizerRegistry>();
        _inner = engine.KeyLoader;
        engine.KeyLoader = LoadAsync;
        engine.ForceRefreshed += OnForceRefreshed;
        _authorizers = services.GetService<IAuthorizerStore>();
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

    private async ValueTask<bool> LoadAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        if (!JsSdkTicketSource.IsTicket(key.Kind))
        {
            return _inner is not null && await _inner(key, cancellationToken).ConfigureAwait(false);
        }

        if (!_sources.TryGetValue(key.Kind, out var source) || !AppIdFormat.IsValid(key.AppId)
            || (key.ComponentAppId.Length > 0 && !AppIdFormat.IsValid(key.ComponentAppId))
            || !await _engine.EnsureKeyAsync(JsSdkTicketSource.AccessTokenOf(key), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        _engine.AddDynamicSlot(key, source);
        try
        {
            await _engine.LoadSlotAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException)
        {
            // The slot exists; GetToken refreshes or reports the store failure.
        }

        return true;
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
