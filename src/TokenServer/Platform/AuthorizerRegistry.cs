using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Crypto;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;

namespace TokenCenter.Server.Platform;

/// <summary>
/// Keeps the engine's dynamic authorizer slots in line with the shared authorizer store: creates a slot on
/// authorization (storing the token api_query_auth answered) or on first use in a replica (loaded from the
/// store), schedules its first refresh in the shared due set, and drops it on unauthorization in every replica.
/// </summary>
internal sealed class AuthorizerRegistry : IDisposable
{
    private readonly TokenEngine _engine;
    private readonly AuthorizerTokenSource _source;
    private readonly IAuthorizerStore _authorizers;
    private readonly ITokenStore _tokens;
    private readonly ComponentCatalog _components;
    private readonly SecretCipher _cipher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public AuthorizerRegistry(
        TokenEngine engine,
        AuthorizerTokenSource source,
        IAuthorizerStore authorizers,
        ITokenStore tokens,
        ComponentCatalog components,
        SecretCipher cipher,
        TimeProvider time,
        ILogger<AuthorizerRegistry> logger)
    {
        _engine = engine;
        _source = source;
        _authorizers = authorizers;
        _tokens = tokens;
        _components = components;
        _cipher = cipher;
        _time = time;
        _logger = logger;
        _authorizers.AuthorizerRemoved += OnRemoved;
        _authorizers.AuthorizerAdded += OnAdded;
        _engine.KeyLoader = (key, ct) => key.Kind == TokenCenter.V1.TokenKind.AuthorizerAccessToken
            && Options.AppIdFormat.IsValid(key.AppId) && Options.AppIdFormat.IsValid(key.ComponentAppId)
            ? EnsureSlotAsync(key, ct)
            : ValueTask.FromResult(false);
    }

    /// <summary>Makes sure this replica has the slot of an authorized account; false when the account is unknown.</summary>
    public async ValueTask<bool> EnsureSlotAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        if (_engine.IsConfigured(key))
        {
            return true;
        }

        if (_components.Find(key.ComponentAppId) is null
            || await _authorizers.GetAsync(key.ComponentAppId, key.AppId, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        _engine.AddDynamicSlot(key, _source);
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

    /// <summary>Stores an authorization (api_query_auth answer): record, token, slot, first due time. Idempotent.</summary>
    public async Task AuthorizedAsync(string componentAppId, AuthorizerTokenResult answer, CancellationToken cancellationToken)
    {
        var appId = answer.AuthorizerAppId!;
        var key = AuthorizerTokenSource.KeyOf(componentAppId, appId);
        var now = _time.GetUtcNow();
        var existing = await _authorizers.GetAsync(componentAppId, appId, cancellationToken).ConfigureAwait(false);
        var encrypted = !string.IsNullOrEmpty(answer.RefreshToken)
            ? _cipher.Encrypt(answer.RefreshToken, AuthorizerTokenSource.AssociatedData(componentAppId, appId))
            : existing?.EncryptedRefreshToken ?? throw new TokenUnavailableException($"api_query_auth answered no refresh token for {appId}");
        await _authorizers.SaveAsync(new AuthorizerRecord(componentAppId, appId, encrypted, now, NeedsReauthorization: false), cancellationToken).ConfigureAwait(false);
        _source.ClearState(key);
        _engine.AddDynamicSlot(key, _source);

        var version = await _tokens.NextVersionAsync(key, cancellationToken).ConfigureAwait(false);
        var token = new StoredToken(answer.AccessToken!, now + answer.ExpiresIn, now, version);
        if (await _tokens.TryWriteAsync(key, token, cancellationToken).ConfigureAwait(false))
        {
            _engine.Adopt(key, token);
        }

        if (_engine.TryGetSlot(key, out var slot) && slot.State?.Token is { } held)
        {
            await _authorizers.ScheduleAsync(new AuthorizerId(componentAppId, appId), _engine.ComputeDue(slot, held), cancellationToken).ConfigureAwait(false);
        }

        PlatformLog.AuthorizerStored(_logger, key, TokenFingerprint.Of(answer.AccessToken), TokenFingerprint.Of(answer.RefreshToken));
    }

    /// <summary>The account unauthorized: stop refreshing and remove its tokens (every replica). Idempotent.</summary>
    public async Task UnauthorizedAsync(string componentAppId, string appId, CancellationToken cancellationToken)
    {
        var key = AuthorizerTokenSource.KeyOf(componentAppId, appId);
        await _authorizers.RemoveAsync(componentAppId, appId, cancellationToken).ConfigureAwait(false);
        _engine.RemoveDynamicSlot(key);
        await _tokens.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        PlatformLog.AuthorizerRemoved(_logger, key);
    }

    public void Dispose()
    {
        _authorizers.AuthorizerRemoved -= OnRemoved;
        _authorizers.AuthorizerAdded -= OnAdded;
    }

    private void OnRemoved(AuthorizerId id) => _engine.RemoveDynamicSlot(AuthorizerTokenSource.KeyOf(id.ComponentAppId, id.AppId));

    // Authorized again (maybe on another replica): "needs re-authorization" no longer holds here either.
    private void OnAdded(AuthorizerId id) => _source.ClearState(AuthorizerTokenSource.KeyOf(id.ComponentAppId, id.AppId));
}
