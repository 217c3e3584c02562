using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

/// <summary>The held token of one key and the message served for it, built once per version.</summary>
internal sealed record SlotState(StoredToken Token, TokenCenter.V1.Token Message);

/// <summary>
/// One key's slot: the current token (L1, read without locking), the refresh in flight (single-flight),
/// refresh bookkeeping for GetStatus, and the watchers to push new versions to.
/// </summary>
internal sealed class TokenSlot(TokenSlotKey key, ITokenSource source)
{
    private readonly List<ChannelWriter<TokenCenter.V1.Token>> _watchers = [];
    private volatile SlotState? _state;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TokenSlotKey Key { get; } = key;

    public ITokenSource Source { get; } = source;

    /// <summary>Guards the fields below and the watcher list.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The current token, or null when none has been held yet.</summary>
    public SlotState? State => _state;

    /// <summary>The refresh running for this key (proactive, startup or forced), if any.</summary>
    public Task<SlotState>? InFlight { get; set; }

    /// <summary>What the refresh in flight reports to forcing callers (a quota refusal).</summary>
    public ForcedOutcome? InFlightOutcome { get; set; }

    /// <summary>Whether a token was ever held in this process (decides "startup" vs "proactive").</summary>
    public bool EverHeld { get; private set; }

    public DateTimeOffset? LastRefreshAt { get; set; }

    public RefreshTrigger? LastTrigger { get; set; }

    /// <summary>The last failure of a refresh (cleared by a success); rethrown to callers until <see cref="RetryNotBefore"/>.</summary>
    public Exception? LastFailure { get; set; }

    public UpstreamError? LastUpstreamError { get; set; }

    public int ConsecutiveFailures { get; set; }

    /// <summary>The held token was obtained while its store write failed: reconciliation writes it back (dynamic slots too).</summary>
    public bool WriteBackPending { get; set; }

    /// <summary>No new attempt before this time (after a failure, or when WeChat answered the same token).</summary>
    public DateTimeOffset? RetryNotBefore { get; set; }

    /// <summary>When the scheduler plans the next proactive refresh (for tests and diagnostics).</summary>
    public DateTimeOffset? NextRefreshAt { get; set; }

    /// <summary>Completes at the next adopted version.</summary>
    public Task Changed
    {
        get
        {
            lock (Gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Makes <paramref name="token"/> current if its version is higher than the held one; pushes it to watchers.</summary>
    public bool TryAdopt(StoredToken token)
    {
        ChannelWriter<TokenCenter.V1.Token>[] watchers;
        TaskCompletionSource changed;
        SlotState next;
        lock (Gate)
        {
            if (_state is { } held && held.Token.Version >= token.Version)
            {
                return false;
            }

            next = new SlotState(token, BuildMessage(token));
            _state = next;
            EverHeld = true;
            RetryNotBefore = null;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            watchers = [.. _watchers];
        }

        foreach (var w in watchers)
        {
            w.TryWrite(next.Message);
        }

        changed.TrySetResult();
        return true;
    }

    /// <summary>Registers a watcher and returns the current state, atomically (no version is missed).</summary>
    public SlotState? Subscribe(ChannelWriter<TokenCenter.V1.Token> writer)
    {
        lock (Gate)
        {
            _watchers.Add(writer);
            return _state;
        }
    }

    public void Unsubscribe(ChannelWriter<TokenCenter.V1.Token> writer)
    {
        lock (Gate)
        {
            _watchers.Remove(writer);
        }
    }

    /// <summary>Ends every watch (server stopping).</summary>
    public void CompleteWatchers()
    {
        lock (Gate)
        {
            foreach (var w in _watchers)
            {
                w.TryComplete();
            }

            _watchers.Clear();
        }
    }

    private TokenCenter.V1.Token BuildMessage(StoredToken token) => new()
    {
        Key = Key.ToProto(),
        Value = token.Value,
        ExpiresAt = Timestamp.FromDateTimeOffset(token.ExpiresAt),
        ObtainedAt = Timestamp.FromDateTimeOffset(token.ObtainedAt),
        Version = token.Version,
    };
}

/// <summary>What a forced refresh reports to the callers that forced (not to GetToken callers or the scheduler that joined it).</summary>
internal sealed class ForcedOutcome
{
    /// <summary>Set when the quota guard refused the forced call.</summary>
    public RefreshQuotaExceededException? Refusal { get; set; }

    /// <summary>Set when the refresh ended with a token another replica stored (no upstream call of ours).</summary>
    public bool Adopted { get; set; }
}
