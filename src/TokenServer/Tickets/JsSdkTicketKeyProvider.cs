using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.V1;

namespace TokenCenter.Server.Tickets;

/// <summary>
/// The JS-SDK tickets as dynamic keys: a ticket's slot is created on its first request, when the access token it is
/// fetched with is served (a configured app, or an authorizer, loaded from the store if need be).
/// </summary>
internal sealed class JsSdkTicketKeyProvider(IEnumerable<ITokenSource> sources) : IDynamicKeyProvider
{
    private readonly Dictionary<TokenKind, JsSdkTicketSource> _sources = sources.OfType<JsSdkTicketSource>().ToDictionary(s => s.Kind);

    public async ValueTask<ITokenSource?> FindAsync(TokenSlotKey key, TokenEngine engine, CancellationToken cancellationToken)
    {
        if (!JsSdkTicketSource.IsTicket(key.Kind) || !_sources.TryGetValue(key.Kind, out var source) || !AppIdFormat.IsValid(key.AppId)
            || (key.ComponentAppId.Length > 0 && !AppIdFormat.IsValid(key.ComponentAppId)))
        {
            return null;
        }

        return await engine.EnsureKeyAsync(JsSdkTicketSource.AccessTokenOf(key), cancellationToken).ConfigureAwait(false) ? source : null;
    }
}
