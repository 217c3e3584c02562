using System.Threading.Channels;

namespace TokenCenter.Client.Internal;

/// <summary>
/// The cached token of one key. Readers take <see cref="Current"/> without a lock (an immutable
/// entry swapped atomically); writers keep the highest version and notify watchers.
/// </summary>
internal sealed class CachedToken(TokenKey key, TimeSpan safetyMargin, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<ChannelWriter<TokenInfo>> _watchers = [];
    private volatile Entry? _current;
    private Task<TokenInfo>? _fetch;
    private ITimer? _staleTimer;

    public TokenKey Key { get; } = key;

    /// <summary>The held token, or null.</summary>
    public TokenInfo? Current => _current?.Token;

    private long _lastCheckedTicks = DateTimeOffset.MinValue.UtcTicks;

    /// <summary>When the server was last asked with a unary call (fallback polling), in the client's clock.</summary>
    public DateTimeOffset LastChecked
    {
        get => new(Volatile.Read(ref _lastCheckedTicks), TimeSpan.Zero);
        set => Volatile.Write(ref _lastCheckedTicks, value.UtcTicks);
    }

    /// <summary>The held token if it may still be served at <paramref name="now"/> (before expiry minus the margin).</summary>
    public bool TryGetFresh(DateTimeOffset now, out TokenInfo token)
    {
        var entry = _current;
        if (entry is not null && now < entry.ServeUntil)
        {
            token = entry.Token;
            return true;
        }

        token = null!;
        return false;
    }

    /// <summary>
    /// The hot path: the held token while it may be served, read without a clock. A timer on the
    /// client's <see cref="TimeProvider"/> marks the entry stale at its serve-until time.
    /// </summary>
    public bool TryGetFresh(out TokenInfo token)
    {
        var entry = _current;
        if (entry is { IsFresh: true })
        {
            token = entry.Token;
            return true;
        }

        token = null!;
        return false;
    }

    /// <summary>Adopts <paramref name="token"/> if its version is newer than the held one; returns whether it did.</summary>
    public bool Offer(TokenInfo token)
    {
        lock (_gate)
        {
            if (_current is { } held && held.Token.Version >= token.Version)
            {
                return false;
            }

            var entry = new Entry(token, token.ExpiresAt - safetyMargin);
            _staleTimer?.Dispose();
            var remaining = entry.ServeUntil - time.GetUtcNow();
            if (remaining > TimeSpan.Zero)
            {
                entry.IsFresh = true;
                _staleTimer = time.CreateTimer(static e => ((Entry)e!).IsFresh = false, entry, remaining, Timeout.InfiniteTimeSpan);
            }

            _current = entry;
            foreach (var watcher in _watchers)
            {
                watcher.TryWrite(token);
            }

            return true;
        }
    }

    /// <summary>Joins the unary fetch in flight, or starts one with <paramref name="start"/>.</summary>
    public Task<TokenInfo> JoinOrStartFetch(Func<Task<TokenInfo>> start)
    {
        lock (_gate)
        {
            if (_fetch is { IsCompleted: false } running)
            {
                return running;
            }

            _fetch = start();
            return _fetch;
        }
    }

    /// <summary>Registers a watcher; returns the token held now (null if none).</summary>
    public TokenInfo? Subscribe(ChannelWriter<TokenInfo> writer)
    {
        lock (_gate)
        {
            _watchers.Add(writer);
            return _current?.Token;
        }
    }

    public void Unsubscribe(ChannelWriter<TokenInfo> writer)
    {
        lock (_gate)
        {
            _watchers.Remove(writer);
        }
    }

    /// <summary>Ends every watcher (the client is being disposed).</summary>
    public void CompleteWatchers()
    {
        lock (_gate)
        {
            _staleTimer?.Dispose();
            foreach (var watcher in _watchers)
            {
                watcher.TryComplete();
            }
        }
    }

    private sealed class Entry(TokenInfo token, DateTimeOffset serveUntil)
    {
        private volatile bool _isFresh;

        public TokenInfo Token { get; } = token;

        public DateTimeOffset ServeUntil { get; } = serveUntil;

        /// <summary>True from adoption until <see cref="ServeUntil"/> (cleared by the slot's timer).</summary>
        public bool IsFresh
        {
            get => _isFresh;
            set => _isFresh = value;
        }
    }
}
