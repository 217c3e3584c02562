using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
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
/// and the component's current token, within the upstream rate limit. A new refresh token in the answer is
/// stored; 61023 marks the authorizer as needing re-authorization and stops its refreshes. Its keys are dynamic
/// (created by <see cref="AuthorizerRegistry"/>), so <see cref="Keys"/> is empty.
/// </summary>
internal sealed class AuthorizerTokenSource(
    IServiceProvider services,
    IAuthorizerStore authorizers,
    IPlatformClient client,
    SecretCipher cipher,
    AuthorizerRateLimiter limiter,
    IOptions<PlatformOptions> options,
    ILogger<AuthorizerTokenSource> logger) : ITokenSource, IKeyStateReporter
{
    private readonly ConcurrentDictionary<TokenSlotKey, bool> _needsReauthorization = new();

    public TokenKind Kind => TokenKind.AuthorizerAccessToken;

    public IReadOnlyCollection<TokenSlotKey> Keys => [];

    public static TokenSlotKey KeyOf(string componentAppId, string appId) => new(TokenKind.AuthorizerAccessToken, componentAppId, appId);

    /// <summary>Associated data binding an encrypted refresh token to its authorizer.</summary>
    public static string AssociatedData(string componentAppId, string appId) => $"authorizer_refresh_token:{componentAppId}:{appId}";

    public string GrantName(TokenSlotKey key) => "authorizer_refresh_token";

    public RefreshWindow Window(TokenSlotKey key) => new(options.Value.Platform.AuthorizerAhead, options.Value.Platform.AuthorizerJitter);

    public string StateOf(TokenSlotKey key) => _needsReauthorization.ContainsKey(key) ? "needs re-authorization" : string.Empty;

    internal void ClearState(TokenSlotKey key) => _needsReauthorization.TryRemove(key, out _);

    public async Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken)
    {
        var engine = services.GetRequiredService<TokenEngine>();
        var record = await authorizers.GetAsync(key.ComponentAppId, key.AppId, cancellationToken).ConfigureAwait(false)
            ?? throw new TokenUnavailableException($"{key.AppId} has not authorized {key.ComponentAppId}");
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

        var component = await engine.GetAsync(ComponentTokenSource.KeyOf(key.ComponentAppId), cancellationToken).ConfigureAwait(false);
        await limiter.AcquireAsync(cancellationToken).ConfigureAwait(false);
        var answer = await client.RefreshAuthorizerTokenAsync(key.ComponentAppId, component.Value, key.AppId, refreshToken, cancellationToken).ConfigureAwait(false);
        if (answer.ErrCode == 61023)
        {
            _needsReauthorization[key] = true;
            await authorizers.SaveAsync(record with { NeedsReauthorization = true }, cancellationToken).ConfigureAwait(false);
            await authorizers.UnscheduleAsync(new AuthorizerId(key.ComponentAppId, key.AppId), cancellationToken).ConfigureAwait(false);
            PlatformLog.NeedsReauthorization(logger, key);
            return UpstreamTokenResult.Failure(answer.ErrCode, answer.ErrMsg);
        }

        if (!answer.IsSuccess)
        {
            return UpstreamTokenResult.Failure(answer.ErrCode, answer.ErrMsg);
        }

        if (!string.IsNullOrEmpty(answer.RefreshToken) && answer.RefreshToken != refreshToken)
        {
            var encrypted = cipher.Encrypt(answer.RefreshToken, AssociatedData(key.ComponentAppId, key.AppId));
            await authorizers.SaveAsync(record with { EncryptedRefreshToken = encrypted }, cancellationToken).ConfigureAwait(false);
        }

        return UpstreamTokenResult.Success(answer.AccessToken!, answer.ExpiresIn);
    }
}
