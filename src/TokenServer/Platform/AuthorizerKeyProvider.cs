using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.V1;

namespace TokenCenter.Server.Platform;

/// <summary>
/// The authorizers as dynamic keys: an AUTHORIZER_ACCESS_TOKEN key of a configured component whose account is in the
/// shared authorizer store (authorized on any replica) is served by <see cref="AuthorizerTokenSource"/>.
/// </summary>
internal sealed class AuthorizerKeyProvider(ComponentCatalog components, IAuthorizerStore authorizers, AuthorizerTokenSource source) : IDynamicKeyProvider
{
    public async ValueTask<ITokenSource?> FindAsync(TokenSlotKey key, TokenEngine engine, CancellationToken cancellationToken)
    {
        if (key.Kind != TokenKind.AuthorizerAccessToken || !AppIdFormat.IsValid(key.AppId) || !AppIdFormat.IsValid(key.ComponentAppId)
            || components.Find(key.ComponentAppId) is null)
        {
            return null;
        }

        return await authorizers.GetAsync(key.ComponentAppId, key.AppId, cancellationToken).ConfigureAwait(false) is null ? null : source;
    }
}
