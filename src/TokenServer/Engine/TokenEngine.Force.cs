namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    /// <summary>
    /// Compare-and-refresh: <paramref name="staleValue"/> was rejected by WeChat. When it is no longer the
    /// current token, the current token is returned without calling WeChat. Otherwise one refresh runs
    /// for all concurrent callers (single-flight), after the quota guard, under the distributed lock, and
    /// after re-reading the store.
    /// </summary>
    /// <exception cref="UnknownTokenKeyException">The key is not configured.</exception>
    /// <exception cref="RefreshQuotaExceededException">The quota guard refused; retry after the delay it carries.</exception>
    /// <exception cref="UpstreamUnavailableException">WeChat refused or failed.</exception>
    /// <exception cref="TokenUnavailableException">The store or the lock failed.</exception>
    public async Task<TokenCenter.V1.Token> ForceRefreshAsync(TokenSlotKey key, string staleValue, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(staleValue);
        var slot = Slot(key);
        for (var round = 0; round < 2; round++)
        {
            var current = slot.State;
            if (current is null || current.Token.Value != staleValue)
            {
                return await GetAsync(key, cancellationToken).ConfigureAwait(false);
            }

            if (slot.InFlight is null)
            {
                // Checked before starting a refresh (joining one costs nothing); recorded under the lock.
                var verdict = await StoreCall(() => _quota.CheckAsync(key, _time.GetUtcNow(), cancellationToken)).ConfigureAwait(false);
                if (!verdict.IsAllowed)
                {
                    // Another replica may have refreshed already (its push not here yet): compare
                    // against the store before refusing, so a caller with an old token gets the new one.
                    if (await AdoptIfSupersededAsync(slot, current.Token, cancellationToken).ConfigureAwait(false) is { } adopted)
                    {
                        return adopted.Message;
                    }

                    EngineLog.QuotaRefused(_logger, key, verdict.Reason, verdict.RetryAfter);
                    _metrics?.ForcedRefreshRefused(key, verdict.Reason);
                    throw new RefreshQuotaExceededException(key, verdict.RetryAfter, verdict.Reason);
                }
            }

            Task<SlotState> flight;
            bool started;
            lock (slot.Gate)
            {
                flight = StartOrJoin(slot, RefreshTrigger.Forced, staleValue, out started);
            }

            var state = await flight.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (state.Token.Value != staleValue)
            {
                return state.Message;
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
