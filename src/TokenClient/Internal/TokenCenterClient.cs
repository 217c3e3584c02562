using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Grpc.Core;

namespace TokenCenter.Client.Internal;

/// <summary>
/// The <see cref="ITokenCenterClient"/>: a lock-free cache of tokens per key, kept current by the
/// <see cref="PushWatcher"/>, with unary GetToken (single-flight per key, failover across servers) for
/// keys not known yet, expired entries, and while the push stream is down. See <c>Internal/readme.md</c>.
/// </summary>
internal sealed partial class TokenCenterClient : ITokenCenterClient, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<TokenKey, CachedToken> _slots = new();

    // The hot path's own index: access tokens by app id (a string key hashes faster than TokenKey).
    private readonly ConcurrentDictionary<string, CachedToken> _accessTokenSlots = new(StringComparer.Ordinal);
    private readonly TokenCenterClientOptions _options;
    private readonly ServerPool _servers;
    private readonly PushWatcher _watcher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _disposed;

    public TokenCenterClient(IOptions<TokenCenterClientOptions> options, TimeProvider time, ILogger<TokenCenterClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value; // validated here at the latest (OptionsValidationException naming the key)
        _time = time;
        _logger = logger;
        _servers = new ServerPool(_options, time, logger);
        _watcher = new PushWatcher(_servers, OnPushed, _options, time, logger);
    }

    /// <summary>Whether the push stream is delivering (for tests and diagnostics).</summary>
    internal bool IsPushLive => _watcher.IsLive;

    public ValueTask<string> GetAccessTokenAsync(string appId, CancellationToken cancellationToken = default) =>
        appId is not null && _watcher.IsLive && _accessTokenSlots.TryGetValue(appId, out var slot) && slot.TryGetFresh(out var token)
            ? new ValueTask<string>(token.Value)
            : GetValueAsync(TokenKey.AccessToken(appId!), cancellationToken);

    public ValueTask<string> GetComponentAccessTokenAsync(string componentAppId, CancellationToken cancellationToken = default) =>
        GetValueAsync(TokenKey.ComponentAccessToken(componentAppId), cancellationToken);

    public ValueTask<string> GetAuthorizerAccessTokenAsync(string componentAppId, string authorizerAppId, CancellationToken cancellationToken = default) =>
        GetValueAsync(TokenKey.AuthorizerAccessToken(componentAppId, authorizerAppId), cancellationToken);

    public ValueTask<string> GetTicketAsync(string appId, TicketKind kind, CancellationToken cancellationToken = default) =>
        GetValueAsync(TokenKey.Ticket(appId, kind), cancellationToken);

    public ValueTask<TokenInfo> GetTokenAsync(TokenKey key, CancellationToken cancellationToken = default) =>
        TryGetCached(key, out var token) ? new ValueTask<TokenInfo>(token) : new ValueTask<TokenInfo>(GetSlowAsync(key, cancellationToken));

    public async Task<TokenInfo> ForceRefreshAsync(TokenKey key, string staleValue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(staleValue);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var request = new V1.ForceRefreshRequest { Key = key.ToProto(), StaleValue = staleValue };
        var reply = await _servers.UnaryAsync("ForceRefresh", (c, o) => c.ForceRefreshAsync(request, o), cancellationToken).ConfigureAwait(false);
        var token = reply.ToInfo(key);
        Adopt(SlotOf(key), token);
        _watcher.Track(key);
        return token;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _watcher.DisposeAsync().ConfigureAwait(false);
        foreach (var slot in _slots.Values)
        {
            slot.CompleteWatchers();
        }

        _servers.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The hot path: a dictionary read and a clock read; no lock, no allocation.</summary>
    private ValueTask<string> GetValueAsync(TokenKey key, CancellationToken cancellationToken) =>
        TryGetCached(key, out var token) ? new ValueTask<string>(token.Value) : new ValueTask<string>(GetValueSlowAsync(key, cancellationToken));

    private bool TryGetCached(TokenKey key, out TokenInfo token)
    {
        if (_watcher.IsLive && _slots.TryGetValue(key, out var slot) && slot.TryGetFresh(out token))
        {
            return true;
        }

        token = null!;
        return false;
    }

    private async Task<string> GetValueSlowAsync(TokenKey key, CancellationToken cancellationToken) =>
        (await GetSlowAsync(key, cancellationToken).ConfigureAwait(false)).Value;

    private async Task<TokenInfo> GetSlowAsync(TokenKey key, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var slot = SlotOf(key);
        var now = _time.GetUtcNow();
        if (slot.TryGetFresh(now, out var cached) && (_watcher.IsLive || now - slot.LastChecked < _options.FallbackPollInterval))
        {
            return cached;
        }

        return await slot.JoinOrStartFetch(() => FetchAsync(slot)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One unary GetToken shared by every caller of the key (not cancelled by any one of them; bounded by CallTimeout per server).</summary>
    private async Task<TokenInfo> FetchAsync(CachedToken slot)
    {
        TokenInfo fetched;
        try
        {
            var request = new V1.GetTokenRequest { Key = slot.Key.ToProto() };
            var reply = await _servers.UnaryAsync("GetToken", (c, o) => c.GetTokenAsync(request, o), CancellationToken.None).ConfigureAwait(false);
            fetched = reply.ToInfo(slot.Key);
        }
        catch (TokenCenterException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
            && slot.TryGetFresh(_time.GetUtcNow(), out var cached))
        {
            slot.LastChecked = _time.GetUtcNow();
            ClientLog.ServingCached(_logger, slot.Key, ex.Message, cached.Fingerprint, cached.ExpiresAt);
            return cached;
        }

        Adopt(slot, fetched);
        var now = _time.GetUtcNow();
        slot.LastChecked = now;
        _watcher.Track(slot.Key);
        if (slot.TryGetFresh(now, out var best) && best.Version >= fetched.Version)
        {
            return best;
        }

        if (now >= fetched.ExpiresAt)
        {
            throw new TokenCenterException(StatusCode.Unavailable, $"TokenCenter answered an expired token for {slot.Key} (expired at {fetched.ExpiresAt:O})");
        }

        return fetched; // valid, though inside the safety margin: the server has nothing newer
    }

    private CachedToken SlotOf(TokenKey key)
    {
        var slot = _slots.GetOrAdd(key, static (k, state) => new CachedToken(k, state.Margin, state.Time), (Margin: _options.ExpirySafetyMargin, Time: _time));
        if (key.Kind == TokenKind.AccessToken && key.AppId is { } appId)
        {
            _accessTokenSlots.TryAdd(appId, slot);
        }

        return slot;
    }

    private void OnPushed(TokenInfo token)
    {
        if (_slots.TryGetValue(token.Key, out var slot))
        {
            Adopt(slot, token);
        }
    }

    private void Adopt(CachedToken slot, TokenInfo token)
    {
        if (slot.Offer(token))
        {
            ClientLog.TokenAdopted(_logger, token.Key, token.Version, token.Fingerprint);
        }
    }
}
