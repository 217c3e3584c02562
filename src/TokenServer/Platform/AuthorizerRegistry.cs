using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Crypto;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;

namespace TokenCenter.Server.Platform;

/// <summary>
/// Keeps the engine's dynamic authorizer slots in line with the shared authorizer store: creates a slot on
/// authorization (storing the token api_query_auth answered) or on first use in a replica (loaded from the
/// store), schedules its first refresh in the shared due set (spread, <see cref="FirstRefreshSpread"/>), and drops it on unauthorization in every replica.
/// Authorization events hold the authorizer's refresh lock (<see cref="LockAsync"/>), so they never interleave with
/// a refresh of that authorizer on any replica. An authorization redeemed at WeChat whose write failed is kept in
/// memory and written again (<see cref="FlushPendingAsync"/>): its code cannot be redeemed twice.
/// </summary>
internal sealed class AuthorizerRegistry : IDisposable
{
    private readonly TokenEngine _engine;
    private readonly AuthorizerTokenSource _source;
    private readonly IAuthorizerStore _authorizers;
    private readonly ITokenStore _tokens;
    private readonly SecretCipher _cipher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDistributedLock _lock;
    private readonly TimeSpan _lockLease;
    private readonly ConcurrentDictionary<TokenSlotKey, (AuthorizerTokenResult Answer, DateTimeOffset At)> _pending = new();

    public AuthorizerRegistry(
        TokenEngine engine,
        AuthorizerTokenSource source,
        IAuthorizerStore authorizers,
        ITokenStore tokens,
        SecretCipher cipher,
        TimeProvider time,
        IDistributedLock distributedLock,
        IOptions<TokenCenter.Server.Options.TokenCenterOptions> options,
        ILogger<AuthorizerRegistry> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _lock = distributedLock;
        _lockLease = options.Value.Refresh.LockLease;
        _engine = engine;
        _source = source;
        _authorizers = authorizers;
        _tokens = tokens;
        _cipher = cipher;
        _time = time;
        _logger = logger;
        _authorizers.AuthorizerRemoved += OnRemoved;
        _authorizers.AuthorizerAdded += OnAdded;
    }

    /// <summary>
    /// Makes sure this replica has the slot of an authorized account (loaded from the store by
    /// <see cref="AuthorizerKeyProvider"/>); false when the account is unknown.
    /// </summary>
    public ValueTask<bool> EnsureSlotAsync(TokenSlotKey key, CancellationToken cancellationToken) => _engine.EnsureKeyAsync(key, cancellationToken);

    /// <summary>Authorizations redeemed but not stored yet (their write failed).</summary>
    internal int PendingCount => _pending.Count;

    /// <summary>
    /// Takes the authorizer's refresh lock (the one its refreshes run under, on every replica), waiting briefly:
    /// WeChat gives a callback about 5 s. Null when it is held elsewhere.
    /// </summary>
    public Task<ILockLease?> LockAsync(TokenSlotKey key, CancellationToken cancellationToken) =>
        _lock.TryAcquireAsync(key, _lockLease, EventLockWait, cancellationToken);

    private static readonly TimeSpan EventLockWait = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Stores an authorization (api_query_auth answer at <paramref name="answeredAt"/>): record, token, slot, first due
    /// time. Idempotent. The caller holds the authorizer's lock (<see cref="LockAsync"/>). When the store fails the
    /// answer is kept and written again by <see cref="FlushPendingAsync"/>; the exception still reaches the caller.
    /// </summary>
    public async Task AuthorizedAsync(string componentAppId, AuthorizerTokenResult answer, DateTimeOffset answeredAt, CancellationToken cancellationToken)
    {
        var key = AuthorizerTokenSource.KeyOf(componentAppId, answer.AuthorizerAppId!);
        try
        {
            await StoreAuthorizationAsync(componentAppId, answer, answeredAt, cancellationToken).ConfigureAwait(false);
            _pending.TryRemove(key, out _);
        }
        catch (TokenStoreUnavailableException ex)
        {
            _pending[key] = (answer, answeredAt);
            PlatformLog.AuthorizationPending(_logger, key, ex.Message);
            throw;
        }
    }

    /// <summary>Whether an authorization of this account is held in memory, waiting for the store.</summary>
    internal bool IsPending(TokenSlotKey key) => _pending.ContainsKey(key);

    /// <summary>Writes the authorizations held in memory (scheduler pass), each under its lock. Stops at the first store failure.</summary>
    internal async Task FlushPendingAsync(CancellationToken cancellationToken)
    {
        foreach (var (key, pending) in _pending)
        {
            var lease = await LockAsync(key, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                continue;
            }

            await using (lease.ConfigureAwait(false))
            {
                if (_pending.TryGetValue(key, out var current) && current == pending)
                {
                    await StoreAuthorizationAsync(key.ComponentAppId, pending.Answer, pending.At, cancellationToken).ConfigureAwait(false);
                    _pending.TryRemove(new KeyValuePair<TokenSlotKey, (AuthorizerTokenResult, DateTimeOffset)>(key, pending));
                }
            }
        }
    }

    private async Task StoreAuthorizationAsync(string componentAppId, AuthorizerTokenResult answer, DateTimeOffset answeredAt, CancellationToken cancellationToken)
    {
        var appId = answer.AuthorizerAppId!;
        var key = AuthorizerTokenSource.KeyOf(componentAppId, appId);
        var now = _time.GetUtcNow();
        var existing = await _authorizers.GetAsync(componentAppId, appId, cancellationToken).ConfigureAwait(false);
        var encrypted = !string.IsNullOrEmpty(answer.RefreshToken)
            ? _cipher.Encrypt(answer.RefreshToken, AuthorizerTokenSource.AssociatedData(componentAppId, appId))
            : existing?.EncryptedRefreshToken ?? throw new TokenUnavailableException($"api_query_auth answered no refresh token for {appId}");
        await _authorizers.SaveAsync(new AuthorizerRecord(componentAppId, appId, encrypted, answeredAt, NeedsReauthorization: false), cancellationToken).ConfigureAwait(false);
        _source.ClearState(key);
        _engine.AddDynamicSlot(key, _source);

        var expiresAt = answeredAt + answer.ExpiresIn;
        if (expiresAt > now)
        {
            var version = await _tokens.NextVersionAsync(key, cancellationToken).ConfigureAwait(false);
            var token = new StoredToken(answer.AccessToken!, expiresAt, answeredAt, version);
            if (await _tokens.TryWriteAsync(key, token, cancellationToken).ConfigureAwait(false))
            {
                _engine.Adopt(key, token);
            }
        }

        // The first refresh is spread over the second half of the lifetime: authorizations made together (a bulk
        // authorization) must not all fall due in one refresh window.
        var due = _engine.TryGetSlot(key, out var slot) && slot.State?.Token is { } held && held.IsValidAt(now)
            ? FirstRefreshSpread.Due(held, _source.Window(key).Ahead, now, Random.Shared.NextDouble()) ?? _engine.ComputeDue(slot, held)
            : now;
        await _authorizers.ScheduleAsync(new AuthorizerId(componentAppId, appId), due, cancellationToken).ConfigureAwait(false);
        PlatformLog.AuthorizerStored(_logger, key, TokenFingerprint.Of(answer.AccessToken), TokenFingerprint.Of(answer.RefreshToken));
    }

    /// <summary>The account unauthorized: stop refreshing and remove its tokens (every replica). Idempotent. The caller holds the authorizer's lock.</summary>
    public async Task UnauthorizedAsync(string componentAppId, string appId, CancellationToken cancellationToken)
    {
        var key = AuthorizerTokenSource.KeyOf(componentAppId, appId);
        _pending.TryRemove(key, out _);
        await _authorizers.RemoveAsync(componentAppId, appId, cancellationToken).ConfigureAwait(false);
        _engine.RemoveDynamicSlot(key);
        _source.ClearState(key);
        await _tokens.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        PlatformLog.AuthorizerRemoved(_logger, key);
    }

    public void Dispose()
    {
        _authorizers.AuthorizerRemoved -= OnRemoved;
        _authorizers.AuthorizerAdded -= OnAdded;
    }

    private void OnRemoved(AuthorizerId id)
    {
        var key = AuthorizerTokenSource.KeyOf(id.ComponentAppId, id.AppId);
        _pending.TryRemove(key, out _);
        _engine.RemoveDynamicSlot(key);
        _source.ClearState(key);
    }

    // Authorized again (maybe on another replica): "needs re-authorization" no longer holds here either.
    private void OnAdded(AuthorizerId id) => _source.ClearState(AuthorizerTokenSource.KeyOf(id.ComponentAppId, id.AppId));
}
