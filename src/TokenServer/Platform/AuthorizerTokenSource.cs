using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Crypto;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Platform;

/// <summary>
/// AUTHORIZER_ACCESS_TOKEN grant: <c>api_authorizer_token</c> with the stored (encrypted) authorizer_refresh_token
/// and the component's current token, within the upstream rate limit (a refused component token is refreshed once,
/// <see cref="ComponentTokenRetry"/>). A new refresh token in the answer is stored by compare-and-set on the
/// ciphertext the refresh started from, so a re-authorization or removal meanwhile is never overwritten; when the
/// write fails it is kept (encrypted) in memory, used by the next refresh instead of the rotated-away one, and
/// written back as soon as the store answers (<see cref="FlushPendingAsync"/>). 61023 marks the authorizer as needing
/// re-authorization (only if the refused refresh token is still the stored one) and stops its refreshes. Its keys
/// are dynamic (known by <see cref="AuthorizerKeyProvider"/>, created by <see cref="AuthorizerRegistry"/>), so <see cref="Keys"/> is empty.
/// The engine (for the component token) comes as <see cref="Lazy{T}"/>: the engine is built with its sources.
/// </summary>
internal sealed class AuthorizerTokenSource(
    Lazy<IAccessTokenReader> engine,
    IAuthorizerStore authorizers,
    IPlatformClient client,
    SecretCipher cipher,
    AuthorizerRateLimiter limiter,
    IOptions<PlatformOptions> options,
    ILogger<AuthorizerTokenSource> logger) : ITokenSource, IKeyStateReporter
{
    private readonly ConcurrentDictionary<TokenSlotKey, bool> _needsReauthorization = new();
    private readonly ConcurrentDictionary<TokenSlotKey, PendingRefreshToken> _pending = new();

    public TokenKind Kind => TokenKind.AuthorizerAccessToken;

    public IReadOnlyCollection<TokenSlotKey> Keys => [];

    /// <summary>Rotated refresh tokens held in memory because their write failed.</summary>
    internal int PendingCount => _pending.Count;

    /// <summary>Authorizers of this replica known to need re-authorization.</summary>
    internal int NeedsReauthorizationCount => _needsReauthorization.Count;

    public static TokenSlotKey KeyOf(string componentAppId, string appId) => new(TokenKind.AuthorizerAccessToken, componentAppId, appId);

    /// <summary>Associated data binding an encrypted refresh token to its authorizer.</summary>
    public static string AssociatedData(string componentAppId, string appId) => $"authorizer_refresh_token:{componentAppId}:{appId}";

    public string GrantName(TokenSlotKey key) => "authorizer_refresh_token";

    public RefreshWindow Window(TokenSlotKey key) => new(options.Value.Platform.AuthorizerAhead, options.Value.Platform.AuthorizerJitter);

    public string StateOf(TokenSlotKey key) =>
        _needsReauthorization.ContainsKey(key) ? "needs re-authorization"
        : _pending.ContainsKey(key) ? "rotated refresh token held in memory (store write pending)"
        : string.Empty;

    /// <summary>Forgets per-key state: the account was authorized again (or removed), so what was held no longer applies.</summary>
    internal void ClearState(TokenSlotKey key)
    {
        _needsReauthorization.TryRemove(key, out _);
        _pending.TryRemove(key, out _);
    }

    public async Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken)
    {
        var (record, storedCiphertext) = await CurrentAsync(key, cancellationToken).ConfigureAwait(false);
        if (record.NeedsReauthorization)
        {
            _needsReauthorization[key] = true;
            throw new TokenUnavailableException($"{key.AppId} must authorize {key.ComponentAppId} again (refresh token refused, 61023)");
        }

        string refreshToken;
        try
        {
            refreshToken = cipher.Decrypt(record.EncryptedRefreshToken, AssociatedData(key.ComponentAppId, key.AppId));
        }
        catch (CryptographicException ex)
        {
            throw new TokenUnavailableException($"the stored refresh token of {key} cannot be decrypted: {ex.Message}", ex);
        }

        var answer = await ComponentTokenRetry.CallAsync(
            engine.Value,
            key.ComponentAppId,
            "api_authorizer_token",
            async componentToken =>
            {
                await limiter.AcquireAsync(cancellationToken).ConfigureAwait(false);
                return await client.RefreshAuthorizerTokenAsync(key.ComponentAppId, componentToken, key.AppId, refreshToken, cancellationToken).ConfigureAwait(false);
            },
            a => a.ErrCode,
            logger,
            cancellationToken).ConfigureAwait(false);
        if (answer.ErrCode == 61023)
        {
            // Marked only if the refused refresh token is still the stored one: a re-authorization meanwhile wins.
            if (await authorizers.TrySaveAsync(record with { EncryptedRefreshToken = storedCiphertext, NeedsReauthorization = true }, storedCiphertext, cancellationToken).ConfigureAwait(false))
            {
                _needsReauthorization[key] = true;
                _pending.TryRemove(key, out _);
                await authorizers.UnscheduleAsync(new AuthorizerId(key.ComponentAppId, key.AppId), cancellationToken).ConfigureAwait(false);
                PlatformLog.NeedsReauthorization(logger, key);
            }

            return UpstreamTokenResult.Failure(answer.ErrCode, answer.ErrMsg);
        }

        if (!answer.IsSuccess)
        {
            return UpstreamTokenResult.Failure(answer.ErrCode, answer.ErrMsg);
        }

        if (!string.IsNullOrEmpty(answer.RefreshToken) && answer.RefreshToken != refreshToken)
        {
            var rotated = record with { EncryptedRefreshToken = cipher.Encrypt(answer.RefreshToken, AssociatedData(key.ComponentAppId, key.AppId)), NeedsReauthorization = false };
            bool stored;
            try
            {
                stored = await authorizers.TrySaveAsync(rotated, storedCiphertext, cancellationToken).ConfigureAwait(false);
            }
            catch (TokenStoreUnavailableException ex)
            {
                // WeChat has rotated the old one away: the new one must survive until the store takes it.
                _pending[key] = new PendingRefreshToken(storedCiphertext, rotated);
                PlatformLog.RefreshTokenWritePending(logger, key, ex.Message);
                return UpstreamTokenResult.Success(answer.AccessToken!, answer.ExpiresIn);
            }

            _pending.TryRemove(key, out _);
            if (!stored)
            {
                throw new TokenUnavailableException($"{key.AppId} was re-authorized or removed during the refresh; the stored authorization is used");
            }
        }

        return UpstreamTokenResult.Success(answer.AccessToken!, answer.ExpiresIn);
    }

    /// <summary>Writes back every rotated refresh token held in memory (scheduler pass). Stops at the first store failure.</summary>
    internal async Task FlushPendingAsync(CancellationToken cancellationToken)
    {
        foreach (var key in _pending.Keys)
        {
            await CurrentAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The record a refresh uses and the refresh-token ciphertext currently in the store: the pending rotated token
    /// (written back first when possible), else the stored record.
    /// </summary>
    private async Task<(AuthorizerRecord Record, string StoredCiphertext)> CurrentAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        _pending.TryGetValue(key, out var pending);
        AuthorizerRecord? stored;
        try
        {
            stored = await authorizers.GetAsync(key.ComponentAppId, key.AppId, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException) when (pending is not null)
        {
            return (pending.Record, pending.StoredCiphertext); // never the rotated-away one
        }

        if (pending is not null)
        {
            if (stored is not null && stored.EncryptedRefreshToken == pending.StoredCiphertext)
            {
                bool written;
                try
                {
                    written = await authorizers.TrySaveAsync(pending.Record, pending.StoredCiphertext, cancellationToken).ConfigureAwait(false);
                }
                catch (TokenStoreUnavailableException)
                {
                    return (pending.Record, pending.StoredCiphertext);
                }

                if (written)
                {
                    _pending.TryRemove(new KeyValuePair<TokenSlotKey, PendingRefreshToken>(key, pending));
                    PlatformLog.RefreshTokenReconciled(logger, key, "stored");
                    return (pending.Record, pending.Record.EncryptedRefreshToken);
                }

                stored = await authorizers.GetAsync(key.ComponentAppId, key.AppId, cancellationToken).ConfigureAwait(false);
            }

            // Written already, or re-authorized / removed meanwhile: the store is the authority again.
            _pending.TryRemove(new KeyValuePair<TokenSlotKey, PendingRefreshToken>(key, pending));
            PlatformLog.RefreshTokenReconciled(logger, key, stored is null ? "authorizer removed meanwhile" : "store holds a newer authorization");
        }

        return stored is null
            ? throw new TokenUnavailableException($"{key.AppId} has not authorized {key.ComponentAppId}")
            : (stored, stored.EncryptedRefreshToken);
    }

    /// <summary>A rotated refresh token WeChat issued whose write failed: the ciphertext then in the store, and the record to store.</summary>
    private sealed record PendingRefreshToken(string StoredCiphertext, AuthorizerRecord Record);
}
