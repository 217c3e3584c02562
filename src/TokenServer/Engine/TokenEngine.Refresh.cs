using Google.Protobuf.WellKnownTypes;
using TokenCenter.Protocol;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    /// <summary>The lease the refresh running on this async flow holds (checked before it writes).</summary>
    private static readonly AsyncLocal<ILockLease?> HeldLease = new();

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

    /// <summary>
    /// Joins the refresh in flight or starts one. Caller holds <c>slot.Gate</c>. A started forced refresh
    /// reports a quota refusal through <paramref name="outcome"/>, not to the callers who joined it.
    /// </summary>
    private Task<SlotState> StartOrJoin(TokenSlot slot, RefreshTrigger trigger, string? staleValue, out bool started, ForcedOutcome? outcome = null)
    {
        if (slot.InFlight is { } running)
        {
            started = false;
            return running;
        }

        outcome ??= new ForcedOutcome();
        // The outcome rides on the flight's task (its AsyncState): no field for it in every slot.
        var completion = new TaskCompletionSource<SlotState>(outcome, TaskCreationOptions.RunContinuationsAsynchronously);
        slot.InFlight = completion.Task;
        started = true;
        var baseline = slot.State?.Token;
        _ = Task.Run(() => RunAndCompleteAsync(slot, trigger, baseline, staleValue, outcome, completion));
        return completion.Task;
    }

    private async Task RunAndCompleteAsync(TokenSlot slot, RefreshTrigger trigger, StoredToken? baseline, string? staleValue, ForcedOutcome outcome, TaskCompletionSource<SlotState> completion)
    {
        SlotState? result = null;
        Exception? error = null;
        try
        {
            result = await RunAsync(slot, trigger, baseline, staleValue, outcome, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
            RecordFailure(slot, trigger, ex);
        }

        // "success" only where the token came from WeChat, so that a sum over replicas counts upstream refreshes.
        _metrics?.Refreshed(slot.Key, trigger.Name(), error is not null || outcome.Refusal is not null ? "failure" : outcome.Adopted ? "adopted" : "success");
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

    private async Task<SlotState> RunAsync(TokenSlot slot, RefreshTrigger trigger, StoredToken? baseline, string? staleValue, ForcedOutcome outcome, CancellationToken cancellationToken)
    {
        var key = slot.Key;
        if (await AdoptIfSupersededAsync(slot, baseline, cancellationToken).ConfigureAwait(false) is { } early)
        {
            outcome.Adopted = true;
            return early;
        }

        // Lock masters that do not answer are a store failure (UNAVAILABLE naming the store), not "held elsewhere".
        var lease = await StoreCall(() => _lock.TryAcquireAsync(key, _refresh.LockLease, _refresh.LockWait, cancellationToken)).ConfigureAwait(false);
        if (lease is null)
        {
            var other = await AdoptIfSupersededAsync(slot, baseline, cancellationToken).ConfigureAwait(false)
                ?? throw new TokenUnavailableException($"the refresh lock of {key} is held elsewhere and no newer token was stored");
            outcome.Adopted = true;
            return other;
        }

        await using (lease.ConfigureAwait(false))
        {
            if (await AdoptIfSupersededAsync(slot, baseline, cancellationToken).ConfigureAwait(false) is { } adopted)
            {
                outcome.Adopted = true;
                return adopted;
            }

            var version = await StoreCall(() => _store.NextVersionAsync(key, cancellationToken)).ConfigureAwait(false);

            // The fetch never outlives the lease: WeChat is called only while the lease covers at least
            // one upstream attempt (the lock extends it while held), every call under the lock runs on a
            // token that the lease's loss cancels, and a holder that lost it does not write.
            if (lease.IsLost || lease.RemainingValidity < _upstreamAttempt)
            {
                return await LeaseLostAsync(slot, baseline, "before_fetch", cancellationToken).ConfigureAwait(false);
            }

            using var guarded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
            HeldLease.Value = lease;
            try
            {
                if (trigger == RefreshTrigger.Forced)
                {
                    return await ForceUnderLockAsync(slot, version, staleValue!, outcome, guarded.Token).ConfigureAwait(false);
                }

                var answer = await slot.Source.FetchAsync(key, null, guarded.Token).ConfigureAwait(false);
                return await AcceptAsync(slot, trigger, version, answer, guarded.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && lease.Lost.IsCancellationRequested)
            {
                return await LeaseLostAsync(slot, baseline, "during_fetch", cancellationToken).ConfigureAwait(false);
            }
            catch (LeaseLostException)
            {
                return await LeaseLostAsync(slot, baseline, "before_write", cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                HeldLease.Value = null;
            }
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

    /// <summary>
    /// The forced part of a refresh, under the lock, once the store has shown that no one else replaced
    /// <paramref name="staleValue"/>. With a force mode (stable grant), normal mode is asked first: it costs
    /// nothing and answers the new token when WeChat already rotated. The forced-refresh budget is consulted right
    /// before the forced call; a refusal is reported to the caller that forced, while the callers who joined
    /// get the held token, or a plain refresh when it is expired or due (<see cref="IsDue"/>).
    /// </summary>
    private async Task<SlotState> ForceUnderLockAsync(TokenSlot slot, long version, string staleValue, ForcedOutcome outcome, CancellationToken cancellationToken)
    {
        var key = slot.Key;
        var source = slot.Source;
        if (source.HasForceMode(key))
        {
            var normal = await source.FetchAsync(key, null, cancellationToken).ConfigureAwait(false);
            if (!normal.IsSuccess || normal.Token != staleValue)
            {
                return await AcceptAsync(slot, RefreshTrigger.Forced, version, normal, cancellationToken).ConfigureAwait(false);
            }

            if (await TryRecordForcedAsync(slot, outcome, cancellationToken).ConfigureAwait(false) is not { } recordedAt)
            {
                return slot.State ?? throw new TokenUnavailableException($"no token of {key} is held");
            }

            var forced = await source.FetchForcedAsync(key, cancellationToken).ConfigureAwait(false);
            if (!forced.IsSuccess && forced.ErrCode == -1)
            {
                // Never retried blindly (a force whose answer was lost may have been applied): normal
                // mode tells which token is current now.
                var check = await source.FetchAsync(key, null, cancellationToken).ConfigureAwait(false);
                if (check.IsSuccess && check.Token != staleValue)
                {
                    await SettleForcedAsync(key, recordedAt, forced, cancellationToken).ConfigureAwait(false);
                    return await AcceptAsync(slot, RefreshTrigger.Forced, version, check, cancellationToken).ConfigureAwait(false);
                }

                if (forced.Answered && check.IsSuccess)
                {
                    // WeChat answered "busy" and still serves the stale value: nothing was applied, so
                    // the force is sent once more, under the same record.
                    forced = await source.FetchForcedAsync(key, cancellationToken).ConfigureAwait(false);
                }
            }

            await SettleForcedAsync(key, recordedAt, forced, cancellationToken).ConfigureAwait(false);
            return await AcceptAsync(slot, RefreshTrigger.Forced, version, forced, cancellationToken).ConfigureAwait(false);
        }

        if (await TryRecordForcedAsync(slot, outcome, cancellationToken).ConfigureAwait(false) is not { } recorded)
        {
            if (slot.State is { } held && !IsDue(slot, held.Token))
            {
                return held;
            }

            var plain = await source.FetchAsync(key, null, cancellationToken).ConfigureAwait(false);
            return await AcceptAsync(slot, RefreshTrigger.Proactive, version, plain, cancellationToken).ConfigureAwait(false);
        }

        var answer = await source.FetchAsync(key, staleValue, cancellationToken).ConfigureAwait(false);
        await SettleForcedAsync(key, recorded, answer, cancellationToken).ConfigureAwait(false);
        return await AcceptAsync(slot, RefreshTrigger.Forced, version, answer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="token"/> is expired or inside its proactive refresh window.</summary>
    private bool IsDue(TokenSlot slot, StoredToken token)
    {
        var window = slot.Source.Window(slot.Key);
        return token.ExpiresAt - _time.GetUtcNow() <= window.Ahead + window.Jitter;
    }

    /// <summary>Records a forced call in the forced-refresh budget; null (and the refusal in <paramref name="outcome"/>) when refused.</summary>
    private async Task<DateTimeOffset?> TryRecordForcedAsync(TokenSlot slot, ForcedOutcome outcome, CancellationToken cancellationToken)
    {
        var key = slot.Key;
        var now = _time.GetUtcNow();
        var verdict = await StoreCall(() => _quota.TryRecordAsync(key, now, cancellationToken)).ConfigureAwait(false);
        if (verdict.IsAllowed)
        {
            return now;
        }

        EngineLog.ForcedRefreshRefused(_logger, key, verdict.Reason, verdict.RetryAfter);
        _metrics?.ForcedRefreshRefused(key, verdict.Reason);
        outcome.Refusal = new ForcedRefreshBudgetExceededException(key, verdict.RetryAfter, verdict.Reason);
        return null;
    }

    /// <summary>
    /// Settles a recorded forced call: the minimum interval runs from now (its end). The unit of budget is
    /// given back when WeChat answered an error other than a limit (45009, 45011): WeChat refreshed nothing.
    /// A call without an answer (timeout, transport error) keeps it: WeChat may have applied it.
    /// </summary>
    private async Task SettleForcedAsync(TokenSlotKey key, DateTimeOffset recordedAt, UpstreamTokenResult answer, CancellationToken cancellationToken)
    {
        var refund = answer is { IsSuccess: false, Answered: true, ErrCode: not (45009 or 45011) };
        try
        {
            await _quota.SettleAsync(key, recordedAt, _time.GetUtcNow(), refund, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            EngineLog.StoreReadFailed(_logger, key, ex); // the record stays as made before the call: still within WeChat's limits
        }
    }

    /// <summary>Turns WeChat's answer into the held token (stored under <paramref name="version"/>), or throws its error.</summary>
    private async Task<SlotState> AcceptAsync(TokenSlot slot, RefreshTrigger trigger, long version, UpstreamTokenResult answer, CancellationToken cancellationToken)
    {
        var key = slot.Key;
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

    private async Task<SlotState> StoreNewTokenAsync(TokenSlot slot, StoredToken token, RefreshTrigger trigger, CancellationToken cancellationToken)
    {
        if (HeldLease.Value is { IsLost: true })
        {
            throw new LeaseLostException(); // a holder that lost the lock never writes
        }

        bool written;
        try
        {
            written = await _store.TryWriteAsync(slot.Key, token, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            // WeChat already issued it (and may have invalidated the old one): serve it from memory.
            EngineLog.WriteFailed(_logger, slot.Key, token.Version, ex);
            MarkWriteBackPending(slot);
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
            throw new TokenUnavailableException($"the token store is unavailable: {ex.Reason}", ex);
        }
    }

    /// <summary>Thrown (and caught in RunAsync) when the holder's lease was lost before its write.</summary>
    private sealed class LeaseLostException : Exception
    {
    }
}
