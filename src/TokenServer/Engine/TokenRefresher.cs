using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TokenCenter.Server.Engine;

/// <summary>
/// Proactive refresh: loads every key from the store at start, then keeps one loop per key that
/// refreshes it at <c>expires_at - ahead - random jitter</c> (on the <see cref="TimeProvider"/>). The
/// held token stays served until the new one is stored; a failure is logged and retried with backoff,
/// and a loop never dies on one failure.
/// </summary>
internal sealed class TokenRefresher(TokenEngine engine, TimeProvider time, ILogger<TokenRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await engine.LoadFromStoreAsync(stoppingToken).ConfigureAwait(false);
        await Task.WhenAll(engine.Slots.Select(slot => RunSlotAsync(slot, stoppingToken))).ConfigureAwait(false);
    }

    private async Task RunSlotAsync(TokenSlot slot, CancellationToken stoppingToken)
    {
        await Task.Yield();
        long plannedVersion = -1;
        var due = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var changed = slot.Changed;
                var held = slot.State?.Token;
                var now = time.GetUtcNow();
                var next = now;
                if (held is not null && held.IsValidAt(now))
                {
                    if (held.Version != plannedVersion)
                    {
                        plannedVersion = held.Version;
                        due = engine.ComputeDue(slot, held);
                        EngineLog.RefreshScheduled(logger, slot.Key, due);
                    }

                    next = due;
                }

                if (slot.RetryNotBefore is { } retryAt && retryAt > next)
                {
                    next = retryAt;
                }

                slot.NextRefreshAt = next;
                if (next > now && await WaitAsync(next - now, changed, stoppingToken).ConfigureAwait(false))
                {
                    continue; // a new token was adopted meanwhile: plan again
                }

                if ((slot.State?.Token.Version ?? 0) != (held?.Version ?? 0))
                {
                    continue;
                }

                await engine.RefreshAsync(slot).WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is UpstreamUnavailableException or TokenUnavailableException)
            {
                // Already logged and recorded by the engine; RetryNotBefore holds the backoff.
            }
            catch (Exception ex)
            {
                EngineLog.LoopFailed(logger, slot.Key, ex);
                await Task.Delay(engine.Backoff(1), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits for <paramref name="delay"/>; true when <paramref name="changed"/> completed first.</summary>
    private async Task<bool> WaitAsync(TimeSpan delay, Task changed, CancellationToken stoppingToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var timer = Task.Delay(delay, time, cts.Token);
        var first = await Task.WhenAny(timer, changed).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
        return first == changed;
    }
}
