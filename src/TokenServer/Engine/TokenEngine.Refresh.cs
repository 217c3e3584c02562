using Google.Protobuf.WellKnownTypes;
using TokenCenter.Protocol;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    /// <summary>Runs (or joins) a refresh of <paramref name="slot"/>; used by the scheduler.</summary>
    internal Task<SlotState> RefreshAsync(TokenSlot slot)
    {
        Task<SlotState> flight;
        lock (slot.Gate)
        {
            flight = StartOrJoin(slot, slot.EverHeld ? RefreshTrigger.Proactive : RefreshTrigger.Startup, null, out _);
        }

        return flight;
    }

    /// <summary>Loads every key's token from the store into L1 (at startup). Failures are logged.</summary>
    internal async Task LoadFromStoreAsync(CancellationToken cancellationToken)
    {
        foreach (var slot in _slots.Values)
        {
            try
            {
                await AdoptFromStoreAsync(slot, cancellationToken).ConfigureAwait(false);
            }
            catch (TokenStoreUnavailableException ex)
            {
                EngineLog.StoreReadFailed(_logger, slot.Key, ex);
            }
        }
    }

    /// <summary>The planned proactive refresh time of <paramref name="token"/>: expiry minus ahead minus a random share of jitter.</summary>
    internal DateTimeOffset ComputeDue(TokenSlot slot, StoredToken token)
    {
        var window = slot.Source.Window(slot.Key);
        double share;
        lock (_randomGate)
        {
            share = _random.NextDouble();
        }

        var due = token.ExpiresAt - window.Ahead - (window.Jitter * share);
        var half = token.ObtainedAt + ((token.ExpiresAt - token.ObtainedAt) / 2);
        return due > half ? due : half;
    }

    /// <summary>Delay before attempt number <paramref name="failures"/>+1 of a failing refresh.</summary>
    internal TimeSpan Backoff(int failures)
    {
        var delay = _refresh.RetryDelay * Math.Pow(2, Math.Min(Math.Max(failures - 1, 0), 20));
        return delay < _refresh.RetryMaxDelay ? delay : _refresh.RetryMaxDelay;
    }

    /// <summary>Joins the refresh in flight or starts one. Caller holds <c>slot.Gate</c>.</summary>
    private Task<SlotState> StartOrJoin(TokenSlot slot, RefreshTrigger trigger, string? staleValue, out bool started)
    {
        if (slot.InFlight is { } running)
        {
            started = false;
            return running;
        }

        var completion = new TaskCompletionSource<SlotState>(TaskCreationOptions.RunContinuationsAsynchronously);
        slot.InFlight = completion.Task;
        started = true;
        var baseline = slot.State?.Token;
        _ = Task.Run(() => RunAndCompleteAsync(slot, trigger, baseline, staleValue, completion));
        return completion.Task;
    }

    private async Task RunAndCompleteAsync(TokenSlot slot, RefreshTrigger trigger, StoredToken? baseline, string? staleValue, TaskCompletionSource<SlotState> completion)
    {
        SlotState? result = null;
        Exception? error = null;
        try
        {
            result = await RunAsync(slot, trigger, baseline, staleValue, _stopping.Token).ConfigureAwait(false);
        }
        catch (RefreshQuotaExceededException ex)
        {
            error = ex; // another replica used the budget meanwhile: not a failure of the key
        }
        catch (Exception ex)
        {
            error = ex;
            RecordFailure(slot, trigger, ex);
        }

        _metrics?.Refreshed(slot.Key, trigger.Name(), error is null);
        lock (slot.Gate)
        {
            if (slot.InFlight == completion.Task)
            {
                slot.InFlight = null;
            }
        }

        if (error is not null)
        {
            completion.SetException(error);
            _ = completion.Task.Exception; // observed: joined callers receive it
        }
        else
        {
            completion.SetResult(result!);
        }
    }

    private async Task<SlotState> RunAsync(TokenSlot slot, RefreshTrigger trigger, StoredToken? baseline, string? staleValue, CancellationToken cancellationToken)
    {
        var key = slot.Key;
        if (await AdoptIfSupersededAsync(slot, baseline, cancellationToken).ConfigureAwait(false) is { } early)
        {
            return early;
        }

        // Lock masters that do not answer are a store failure (UNAVAILABLE naming the store), not "held elsewhere".
        var lease = await StoreCall(() => _lock.TryAcquireAsync(key, _refresh.LockLease, _refresh.LockWait, cancellationToken)).ConfigureAwait(false);
        if (lease is null)
        {
            return await AdoptIfSupersededAsync(slot, baseline, cancellationToken).ConfigureAwait(false)
                ?? throw new TokenUnavailableException($"the refresh lock of {key} is held elsewhere and no newer token was stored");
        }

        await using (lease.ConfigureAwait(false))
        {
            if (await AdoptIfSupersededAsync(slot, baseline, cancellationToken).ConfigureAwait(false) is { } adopted)
            {
                return adopted;
            }

            if (trigger == RefreshTrigger.Forced)
            {
                // The quota guard, shared by all replicas: checked and recorded only once the store
                // has shown that no one else refreshed the stale token meanwhile.
                var verdict = await StoreCall(() => _quota.TryRecordAsync(key, _time.GetUtcNow(), cancellationToken)).ConfigureAwait(false);
                if (!verdict.IsAllowed)
                {
                    EngineLog.QuotaRefused(_logger, key, verdict.Reason, verdict.RetryAfter);
                    _metrics?.ForcedRefreshRefused(key, verdict.Reason);
                    throw new RefreshQuotaExceededException(key, verdict.RetryAfter, verdict.Reason);
                }
            }

            var version = await StoreCall(() => _store.NextVersionAsync(key, cancellationToken)).ConfigureAwait(false);

            // The fetch never outlives the lease: WeChat is called only while the lease covers at least
            // one upstream attempt (the lock extends it while held), the fetch is cancelled as soon as
            // the lease may have lapsed, and a holder that lost it does not write.
            if (lease.IsLost || lease.RemainingValidity < _upstreamAttempt)
            {
                return await LeaseLostAsync(slot, baseline, "before_fetch", cancellationToken).ConfigureAwait(false);
            }

            UpstreamTokenResult answer;
            using (var guarded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost))
            {
                try
                {
                    answer = await slot.Source.FetchAsync(key, staleValue, guarded.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && lease.Lost.IsCancellationRequested)
                {
                    return await LeaseLostAsync(slot, baseline, "during_fetch", cancellationToken).ConfigureAwait(false);
                }
            }

            if (lease.IsLost)
            {
                return await LeaseLostAsync(slot, baseline, "after_fetch", cancellationToken).ConfigureAwait(false);
            }

            var now = _time.GetUtcNow();
            if (!answer.IsSuccess)
            {
                throw new UpstreamUnavailableException(answer.ErrCode, answer.ErrMsg);
            }

            if (slot.State is { } held && held.Token.Value == answer.Token)
            {
                EngineLog.SameTokenAnswered(_logger, key, TokenFingerprint.Of(answer.Token));
                lock (slot.Gate)
                {
                    slot.RetryNotBefore = now + _refresh.RetryDelay;
                    slot.LastUpstreamError = null;
                }

                return held;
            }

            var token = new StoredToken(answer.Token!, now + answer.ExpiresIn, now, version);
            return await StoreNewTokenAsync(slot, token, trigger, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The lease lapsed (or could not be extended) at <paramref name="stage"/>: nothing is written. The
    /// token another holder stored meanwhile is adopted when there is one; otherwise the refresh fails.
    /// </summary>
    private async Task<SlotState> LeaseLostAsync(TokenSlot slot, StoredToken? baseline, string stage, CancellationToken cancellationToken)
    {
        EngineLog.LeaseLost(_logger, slot.Key, stage);
        _metrics?.LeaseLost(slot.Key, stage);
        return await AdoptIfSupersededAsync(slot, baseline, cancellationToken).ConfigureAwait(false)
            ?? throw new TokenUnavailableException($"the refresh lock of {slot.Key} lapsed ({stage.Replace('_', ' ')}); nothing was written, the next refresh retries");
    }

    private async Task<SlotState> StoreNewTokenAsync(TokenSlot slot, StoredToken token, RefreshTrigger trigger, CancellationToken cancellationToken)
    {
        bool written;
        try
        {
            written = await _store.TryWriteAsync(slot.Key, token, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            // WeChat already issued it (and may have invalidated the old one): serve it from memory.
            EngineLog.WriteFailed(_logger, slot.Key, token.Version, ex);
            written = true;
        }

        if (!written)
        {
            EngineLog.WriteLostRace(_logger, slot.Key, token.Version);
            await AdoptFromStoreAsync(slot, cancellationToken).ConfigureAwait(false);
            return slot.State ?? throw new TokenUnavailableException($"the store refused the token of {slot.Key} but holds none");
        }

        slot.TryAdopt(token);
        lock (slot.Gate)
        {
            slot.LastRefreshAt = token.ObtainedAt;
            slot.LastTrigger = trigger;
            slot.LastFailure = null;
            slot.LastUpstreamError = null;
            slot.ConsecutiveFailures = 0;
        }

        EngineLog.TokenStored(_logger, slot.Key, token.Version, TokenFingerprint.Of(token.Value), token.ExpiresAt, trigger.Name());
        if (trigger == RefreshTrigger.Forced)
        {
            ForceRefreshed?.Invoke(slot.Key); // handlers only start work; they never throw
        }

        return slot.State!;
    }

    /// <summary>Adopts the stored token when it replaces <paramref name="baseline"/> (valid, newer, different value).</summary>
    private async Task<SlotState?> AdoptIfSupersededAsync(TokenSlot slot, StoredToken? baseline, CancellationToken cancellationToken)
    {
        var stored = await StoreCall(() => _store.GetAsync(slot.Key, cancellationToken)).ConfigureAwait(false);
        if (stored is null || !stored.IsValidAt(_time.GetUtcNow()))
        {
            return null;
        }

        if (baseline is not null && (stored.Version <= baseline.Version || stored.Value == baseline.Value))
        {
            return null;
        }

        if (slot.TryAdopt(stored))
        {
            EngineLog.TokenAdopted(_logger, slot.Key, stored.Version, TokenFingerprint.Of(stored.Value));
        }

        return slot.State;
    }

    private async Task AdoptFromStoreAsync(TokenSlot slot, CancellationToken cancellationToken)
    {
        var stored = await _store.GetAsync(slot.Key, cancellationToken).ConfigureAwait(false);
        if (stored is not null && !string.IsNullOrEmpty(stored.Value) && slot.TryAdopt(stored))
        {
            EngineLog.TokenAdopted(_logger, slot.Key, stored.Version, TokenFingerprint.Of(stored.Value));
        }
    }

    private void OnTokenChanged(TokenSlotKey key, long version)
    {
        if (!TryGetSlot(key, out var slot) || (slot.State?.Token.Version ?? 0) >= version || _stopping.IsCancellationRequested)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await AdoptFromStoreAsync(slot, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TokenStoreUnavailableException or OperationCanceledException or ObjectDisposedException)
            {
                EngineLog.StoreReadFailed(_logger, key, ex);
            }
        });
    }

    private void RecordFailure(TokenSlot slot, RefreshTrigger trigger, Exception ex)
    {
        var now = _time.GetUtcNow();
        lock (slot.Gate)
        {
            slot.ConsecutiveFailures++;
            slot.LastFailure = ex;
            slot.RetryNotBefore = now + Backoff(slot.ConsecutiveFailures);
            if (ex is UpstreamUnavailableException u)
            {
                slot.LastUpstreamError = new UpstreamError { Errcode = u.ErrCode, Errmsg = u.ErrMsg, At = Timestamp.FromDateTimeOffset(now) };
            }
        }

        EngineLog.RefreshFailed(_logger, slot.Key, trigger.Name(), ex.Message);
    }

    private static async Task<T> StoreCall<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            throw new TokenUnavailableException($"the token store is unavailable: {ex.Message}", ex);
        }
    }
}
