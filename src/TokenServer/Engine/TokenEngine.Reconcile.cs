using TokenCenter.Protocol;

namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    // Slots whose held token never reached the store (a few at most), so no pass scans every dynamic slot.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<TokenSlotKey, TokenSlot> _writeBackPending = new();
    /// <summary>Least wall-clock time between two reconcile passes after one failed (no spinning on a flapping store).</summary>
    internal static readonly TimeSpan ReconcileRetryPause = TimeSpan.FromSeconds(1);

    private int _reconcileRequests;

    private void MarkWriteBackPending(TokenSlot slot)
    {
        slot.WriteBackPending = true;
        _writeBackPending[slot.Key] = slot;
    }
    private int _reconcileRunning;
    private bool _lastReconcileFailed;

    /// <summary>
    /// Reconciles every slot with the store by version: adopts a newer valid stored token; writes back
    /// the held token when it is valid and the store holds nothing or an older version (a token
    /// obtained while the store was down, or one lost by a flush). The write is compare-and-set, so
    /// when several replicas write back at once the newest wins and the others adopt it. Returns how
    /// many tokens were written back. Store failures are logged and end the pass.
    /// </summary>
    internal async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        _lastReconcileFailed = false;
        // Dynamic slots (authorizers, tickets: up to 100,000) only when their held token never reached the store.
        foreach (var slot in _slots.Values.Concat(_writeBackPending.Values).ToArray())
        {
            var pending = slot.WriteBackPending;
            try
            {
                if (await ReconcileSlotAsync(slot, cancellationToken).ConfigureAwait(false))
                {
                    written++;
                }
            }
            catch (TokenStoreUnavailableException ex)
            {
                if (pending)
                {
                    MarkWriteBackPending(slot);
                }
                EngineLog.ReconcileFailed(_logger, slot.Key, ex.Message);
                _lastReconcileFailed = true;
                break; // the next ReconcileNeeded (store back) runs a new pass
            }

            RefreshAtOnceIfNoValidToken(slot);
        }

        return written;
    }

    /// <summary>
    /// Writes back the held tokens of dynamic slots whose store write failed (see <see cref="TokenSlot.WriteBackPending"/>),
    /// without waiting for the store to announce that it is back (a store that refused writes for a while never does).
    /// Returns how many were written; store failures end the pass (the flags stay).
    /// </summary>
    internal async Task<int> WriteBackPendingAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        foreach (var slot in _writeBackPending.Values)
        {
            try
            {
                if (await ReconcileSlotAsync(slot, cancellationToken).ConfigureAwait(false))
                {
                    written++;
                }
            }
            catch (TokenStoreUnavailableException)
            {
                MarkWriteBackPending(slot);
                break;
            }
        }

        return written;
    }

    /// <summary>
    /// The store answers again and neither it nor this replica holds a valid token for the key: refresh
    /// now instead of waiting out the failure backoff (up to Refresh:RetryMaxDelay) while callers get
    /// UNAVAILABLE. Runs through the lock, so a storm of replicas still reaches WeChat once.
    /// </summary>
    private void RefreshAtOnceIfNoValidToken(TokenSlot slot)
    {
        if (_stopping.IsCancellationRequested || (slot.State?.Token is { } held && held.IsValidAt(_time.GetUtcNow())))
        {
            return;
        }

        Task<SlotState> flight;
        lock (slot.Gate)
        {
            slot.RetryNotBefore = null;
            flight = StartOrJoin(slot, slot.EverHeld ? RefreshTrigger.Proactive : RefreshTrigger.Startup, null, out _);
        }

        _ = flight.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private async Task<bool> ReconcileSlotAsync(TokenSlot slot, CancellationToken cancellationToken)
    {
        var stored = await _store.GetAsync(slot.Key, cancellationToken).ConfigureAwait(false);
        var held = slot.State?.Token;
        var now = _time.GetUtcNow();
        slot.WriteBackPending = false; // reconciled below (a failed write marks it again)
        _writeBackPending.TryRemove(slot.Key, out _);
        if (stored is not null && !string.IsNullOrEmpty(stored.Value) && (held is null || stored.Version > held.Version))
        {
            if (slot.TryAdopt(stored))
            {
                EngineLog.TokenAdopted(_logger, slot.Key, stored.Version, TokenFingerprint.Of(stored.Value));
            }

            return false;
        }

        if (held is null || !held.IsValidAt(now) || string.IsNullOrEmpty(held.Value) || (stored is not null && stored.Version >= held.Version))
        {
            return false;
        }

        if (await _store.TryWriteAsync(slot.Key, held, cancellationToken).ConfigureAwait(false))
        {
            EngineLog.TokenWrittenBack(_logger, slot.Key, held.Version, TokenFingerprint.Of(held.Value));
            return true;
        }

        // Another replica wrote a newer (or the same) version first: take it.
        await AdoptFromStoreAsync(slot, cancellationToken).ConfigureAwait(false);
        return false;
    }

    private void OnReconcileNeeded()
    {
        Interlocked.Increment(ref _reconcileRequests);
        if (_stopping.IsCancellationRequested || Interlocked.CompareExchange(ref _reconcileRunning, 1, 0) != 0)
        {
            return; // the pass running sees the new request and runs once more
        }

        _ = Task.Run(RunReconcilePassesAsync);
    }

    private async Task RunReconcilePassesAsync()
    {
        while (true)
        {
            var seen = Volatile.Read(ref _reconcileRequests);
            try
            {
                await ReconcileAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                Volatile.Write(ref _reconcileRunning, 0);
                return;
            }

            if (_lastReconcileFailed)
            {
                // A store that answers reads but fails writes (READONLY) would otherwise restart a
                // pass at every read that succeeds: pause, on wall-clock time like a timeout.
                try
                {
                    await Task.Delay(ReconcileRetryPause, TimeProvider.System, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Volatile.Write(ref _reconcileRunning, 0);
                    return;
                }
            }

            if (Volatile.Read(ref _reconcileRequests) != seen)
            {
                continue;
            }

            Volatile.Write(ref _reconcileRunning, 0);
            if (Volatile.Read(ref _reconcileRequests) == seen || Interlocked.CompareExchange(ref _reconcileRunning, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
