namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    /// <summary>
    /// Test hook: awaited by ForceRefresh after its first, unlocked look at the held token and before the
    /// comparison that decides whether to start a refresh (lets a test finish a refresh in between).
    /// </summary>
    internal Func<Task>? AfterStaleCheck { get; set; }

    /// <summary>
    /// Compare-and-refresh: <paramref name="staleValue"/> was rejected by WeChat. When it is no longer the
    /// current token, the current token is returned without calling WeChat. Otherwise one refresh runs
    /// for all concurrent callers (single-flight), under the distributed lock, after re-reading the store;
    /// the forced-refresh budget is consulted right before the forced upstream call (stable grant: only when normal
    /// mode answers the stale value again). A refusal fails the forcing callers only: GetToken callers and the
    /// scheduler that joined the refresh get the held token, or a plain refresh when it is expired or due.
    /// </summary>
    /// <exception cref="UnknownTokenKeyException">The key is not configured.</exception>
    /// <exception cref="ForcedRefreshBudgetExceededException">The forced-refresh budget refused; retry after the delay it carries.</exception>
    /// <exception cref="UpstreamUnavailableException">WeChat refused or failed.</exception>
    /// <exception cref="TokenUnavailableException">The store or the lock failed.</exception>
    public async Task<TokenCenter.V1.Token> ForceRefreshAsync(TokenSlotKey key, string staleValue, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(staleValue);
        var slot = Slot(key);
        if (slot.State is not { } held || held.Token.Value != staleValue)
        {
            // The stale value may be newer than this replica's copy (another replica refreshed and
            // the push is not here yet): compare against the store before answering, so a caller
            // never gets back a version older than the one it reported.
            try
            {
                await AdoptFromStoreAsync(slot, cancellationToken).ConfigureAwait(false);
            }
            catch (TokenStoreUnavailableException ex)
            {
                EngineLog.StoreReadFailed(_logger, key, ex); // store down: answer from memory
            }
        }

        if (AfterStaleCheck is { } hook)
        {
            await hook().ConfigureAwait(false);
        }

        for (var round = 0; round < 2; round++)
        {
            Task<SlotState> flight;
            bool started;
            var outcome = new ForcedOutcome();
            ForcedOutcome? joined = null;
            lock (slot.Gate)
            {
                // Compared under the gate that also guards starting a refresh: a refresh that
                // finished between an unlocked check and here must not be followed by a second one.
                if (slot.State is not { } current || current.Token.Value != staleValue)
                {
                    flight = Task.FromResult<SlotState>(null!);
                    started = false;
                }
                else
                {
                    // The forced-refresh budget is checked and recorded under the distributed lock, after the
                    // store is re-read, right before the forced call: callers on other replicas wait
                    // for the refresh in progress and adopt its token instead of being refused.
                    flight = StartOrJoin(slot, RefreshTrigger.Forced, staleValue, out started, outcome);
                    joined = started ? outcome : slot.InFlightOutcome;
                }
            }

            var state = await flight.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                return await GetAsync(key, cancellationToken).ConfigureAwait(false);
            }

            if (state.Token.Value != staleValue)
            {
                return state.Message;
            }

            if (joined?.Refusal is { } refused)
            {
                throw new ForcedRefreshBudgetExceededException(refused.Key, refused.RetryAfter, refused.Reason);
            }

            if (started)
            {
                break;
            }

            // We joined a proactive refresh that kept the stale value: run a forced one.
        }

        throw new TokenUnavailableException($"WeChat answered the rejected token of {key} again");
    }
}
