using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

/// <summary>
/// The held token of one key and the message served for it. The message is built on demand: configured keys keep it
/// from the first serve, dynamic keys (authorizers, tickets) from the second serve of a version, so a cold key asked
/// for once per version holds only its <see cref="StoredToken"/>. Once kept, every caller gets the same instance.
/// </summary>
internal sealed class SlotState
{
    // _message: null (never served), ServedOnce (a dynamic key served once, nothing kept) or the kept message.
    private static readonly object ServedOnce = new();
    private readonly TokenSlot _slot;
    private object? _message;

    public SlotState(StoredToken token, TokenSlot slot)
    {
        Token = token;
        _slot = slot;
    }

    public StoredToken Token { get; }

    /// <summary>The message for <see cref="Token"/> (kept per the rule above; concurrent builds agree on one kept instance).</summary>
    public TokenCenter.V1.Token Message => Serve(keep: !_slot.Dynamic);

    /// <summary>The message, kept from now on (pushed to watchers: they all get one instance).</summary>
    internal TokenCenter.V1.Token KeptMessage => Serve(keep: true);

    /// <summary>Whether the message is kept (for tests and diagnostics).</summary>
    internal bool HasKeptMessage => Volatile.Read(ref _message) is TokenCenter.V1.Token;

    private TokenCenter.V1.Token Serve(bool keep)
    {
        var current = Volatile.Read(ref _message);
        if (current is TokenCenter.V1.Token kept)
        {
            return kept;
        }

        if (current is null && !keep)
        {
            // First serve of a dynamic key's version: build it for this caller only.
            current = Interlocked.CompareExchange(ref _message, ServedOnce, null);
            if (current is null)
            {
                return Build();
            }

            if (current is TokenCenter.V1.Token raced)
            {
                return raced;
            }
        }

        var built = Build();
        var prior = Interlocked.CompareExchange(ref _message, built, current);
        return ReferenceEquals(prior, current) ? built : prior as TokenCenter.V1.Token ?? Serve(keep: true);
    }

    private TokenCenter.V1.Token Build() => new()
    {
        Key = _slot.Key.ToProto(),
        Value = Token.Value,
        ExpiresAt = Timestamp.FromDateTimeOffset(Token.ExpiresAt),
        ObtainedAt = Timestamp.FromDateTimeOffset(Token.ObtainedAt),
        Version = Token.Version,
    };
}

/// <summary>
/// One key's slot: the current token (L1, read without locking), the refresh in flight (single-flight),
/// refresh bookkeeping for GetStatus, and the watchers to push new versions to. Kept small (100,000 authorizer
/// slots per replica): the watcher list, the change signal and the failure bookkeeping exist only while needed,
/// times are stored as UTC ticks, the last trigger as a byte, the forced outcome on the flight's task, and the slot
/// object itself is the lock (<see cref="Gate"/>).
/// </summary>
internal sealed class TokenSlot
{
    private List<ChannelWriter<TokenCenter.V1.Token>>? _watchers;
    private volatile SlotState? _state;
    private TaskCompletionSource? _changed;
    private Trouble? _trouble;
    private long _lastRefreshTicks;
    private long _nextRefreshTicks;
    private byte _lastTrigger; // 0: none, else the RefreshTrigger + 1 (one byte beside the flags, not a nullable enum)

    public TokenSlot(TokenSlotKey key, ITokenSource source, bool dynamic = false)
    {
        Key = key;
        Source = source;
        Dynamic = dynamic;
    }

    public TokenSlotKey Key { get; }

    public ITokenSource Source { get; }

    /// <summary>A key added at run time (authorizer, ticket): its message is kept from the second serve of a version.</summary>
    public bool Dynamic { get; }

    /// <summary>Guards the fields below and the watcher list (the slot itself: no lock object per slot).</summary>
    public object Gate => this;

    /// <summary>The current token, or null when none has been held yet.</summary>
    public SlotState? State => _state;

    /// <summary>The refresh running for this key (proactive, startup or forced), if any.</summary>
    public Task<SlotState>? InFlight { get; set; }

    /// <summary>What the refresh in flight reports to forcing callers (a quota refusal): the state of its task.</summary>
    public ForcedOutcome? InFlightOutcome => InFlight?.AsyncState as ForcedOutcome;

    /// <summary>Whether a token was ever held in this process (decides "startup" vs "proactive").</summary>
    public bool EverHeld { get; private set; }

    public DateTimeOffset? LastRefreshAt
    {
        get => FromTicks(_lastRefreshTicks);
        set => _lastRefreshTicks = ToTicks(value);
    }

    public RefreshTrigger? LastTrigger
    {
        get => _lastTrigger == 0 ? null : (RefreshTrigger)(_lastTrigger - 1);
        set => _lastTrigger = value is { } trigger ? (byte)(trigger + 1) : (byte)0;
    }

    /// <summary>The last failure of a refresh (cleared by a success); rethrown to callers until <see cref="RetryNotBefore"/>.</summary>
    public Exception? LastFailure
    {
        get => _trouble?.LastFailure;
        set
        {
            if (Edit(value is not null) is { } trouble)
            {
                trouble.LastFailure = value;
            }
        }
    }

    public UpstreamError? LastUpstreamError
    {
        get => _trouble?.LastUpstreamError;
        set
        {
            if (Edit(value is not null) is { } trouble)
            {
                trouble.LastUpstreamError = value;
            }
        }
    }

    public int ConsecutiveFailures
    {
        get => _trouble?.ConsecutiveFailures ?? 0;
        set
        {
            if (Edit(value != 0) is { } trouble)
            {
                trouble.ConsecutiveFailures = value;
            }
        }
    }

    /// <summary>The held token was obtained while its store write failed: reconciliation writes it back (dynamic slots too).</summary>
    public bool WriteBackPending
    {
        get => _trouble?.WriteBackPending ?? false;
        set
        {
            if (Edit(value) is { } trouble)
            {
                trouble.WriteBackPending = value;
            }
        }
    }

    /// <summary>No new attempt before this time (after a failure, or when WeChat answered the same token).</summary>
    public DateTimeOffset? RetryNotBefore
    {
        get => FromTicks(_trouble?.RetryNotBeforeTicks ?? 0);
        set
        {
            if (Edit(value is not null) is { } trouble)
            {
                trouble.RetryNotBeforeTicks = ToTicks(value);
            }
        }
    }

    /// <summary>When the scheduler plans the next proactive refresh (for tests and diagnostics).</summary>
    public DateTimeOffset? NextRefreshAt
    {
        get => FromTicks(Volatile.Read(ref _nextRefreshTicks));
        set => Volatile.Write(ref _nextRefreshTicks, ToTicks(value));
    }

    /// <summary>Completes at the next adopted version.</summary>
    public Task Changed
    {
        get
        {
            lock (Gate)
            {
                return (_changed ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    /// <summary>Makes <paramref name="token"/> current if its version is higher than the held one; pushes it to watchers.</summary>
    public bool TryAdopt(StoredToken token)
    {
        ChannelWriter<TokenCenter.V1.Token>[]? watchers;
        TaskCompletionSource? changed;
        SlotState next;
        lock (Gate)
        {
            if (_state is { } held && held.Token.Version >= token.Version)
            {
                return false;
            }

            next = new SlotState(token, this);
            _state = next;
            EverHeld = true;
            RetryNotBefore = null;
            changed = _changed;
            _changed = null;
            watchers = _watchers is { Count: > 0 } list ? [.. list] : null;
        }

        if (watchers is not null)
        {
            var message = next.KeptMessage;
            foreach (var w in watchers)
            {
                w.TryWrite(message);
            }
        }

        changed?.TrySetResult();
        return true;
    }

    /// <summary>Registers a watcher and returns the current state, atomically (no version is missed).</summary>
    public SlotState? Subscribe(ChannelWriter<TokenCenter.V1.Token> writer)
    {
        lock (Gate)
        {
            (_watchers ??= []).Add(writer);
            return _state;
        }
    }

    public void Unsubscribe(ChannelWriter<TokenCenter.V1.Token> writer)
    {
        lock (Gate)
        {
            if (_watchers is { } list && list.Remove(writer) && list.Count == 0)
            {
                _watchers = null;
            }
        }
    }

    /// <summary>Ends every watch (server stopping).</summary>
    public void CompleteWatchers()
    {
        lock (Gate)
        {
            foreach (var w in _watchers ?? [])
            {
                w.TryComplete();
            }

            _watchers = null;
        }
    }

    private static long ToTicks(DateTimeOffset? at) => at?.UtcTicks ?? 0;

    private static DateTimeOffset? FromTicks(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    // The failure bookkeeping, allocated at the first failure (or write-back) and kept from then on: clearing a
    // field of a slot that never failed allocates nothing. Installed atomically (setters may race outside Gate).
    private Trouble? Edit(bool setting) =>
        _trouble ?? (setting ? Interlocked.CompareExchange(ref _trouble, new Trouble(), null) ?? _trouble : null);

    private sealed class Trouble
    {
        public Exception? LastFailure { get; set; }

        public UpstreamError? LastUpstreamError { get; set; }

        public int ConsecutiveFailures { get; set; }

        public bool WriteBackPending { get; set; }

        public long RetryNotBeforeTicks { get; set; }
    }
}

/// <summary>What a forced refresh reports to the callers that forced (not to GetToken callers or the scheduler that joined it).</summary>
internal sealed class ForcedOutcome
{
    /// <summary>Set when the forced-refresh budget refused the forced call.</summary>
    public ForcedRefreshBudgetExceededException? Refusal { get; set; }

    /// <summary>Set when the refresh ended with a token another replica stored (no upstream call of ours).</summary>
    public bool Adopted { get; set; }
}
