using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using TokenCenter.Server.Engine;
using Microsoft.Extensions.Logging;

namespace TokenCenter.Server.Tickets;

/// <summary>
/// Proactive refresh of the JS-SDK tickets held (requested at least once): every <see cref="Interval"/> of the
/// <see cref="TimeProvider"/>, each ticket past its planned time (<c>expires_at - Refresh:Ahead - random(Refresh:Jitter)</c>,
/// fixed per version) and outside its failure backoff is refreshed. Replicas plan independently; the refresh lock
/// and the store re-read make the later one adopt the earlier one's ticket.
/// </summary>
internal sealed class JsSdkTicketRefresher(TokenEngine engine, JsSdkTicketRegistry registry, TimeProvider time, ILogger<JsSdkTicketRefresher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<TokenSlotKey, (long Version, DateTimeOffset Due)> _plans = new();

    /// <summary>The registry is a dependency so that it hooks into the engine at start.</summary>
    internal JsSdkTicketRegistry Registry => registry;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync().ConfigureAwait(false);
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One pass: refreshes every held ticket that is due. Returns how many refreshes ran.</summary>
    internal async Task<int> RunOnceAsync()
    {
        var now = time.GetUtcNow();
        var due = new List<TokenSlot>();
        foreach (var slot in engine.DynamicSlots)
        {
            if (!JsSdkTicketSource.IsTicket(slot.Key.Kind) || slot.State?.Token is not { } held || slot.InFlight is not null
                || slot.RetryNotBefore > now)
            {
                continue;
            }

            var plan = _plans.AddOrUpdate(
                slot.Key,
                (_, a) => (a.Token.Version, a.Engine.ComputeDue(a.Slot, a.Token)),
                (_, old, a) => old.Version == a.Token.Version ? old : (a.Token.Version, a.Engine.ComputeDue(a.Slot, a.Token)),
                (Engine: engine, Slot: slot, Token: held));
            if (now >= plan.Due)
            {
                due.Add(slot);
            }
        }

        foreach (var key in _plans.Keys.Where(k => !engine.TryGetSlot(k, out _)))
        {
            _plans.TryRemove(key, out _);
        }

        await Task.WhenAll(due.Select(RefreshAsync)).ConfigureAwait(false);
        return due.Count;
    }

    private async Task RefreshAsync(TokenSlot slot)
    {
        try
        {
            await engine.RefreshAsync(slot).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is UpstreamUnavailableException or TokenUnavailableException or UnknownTokenKeyException or TokenStoreUnavailableException or OperationCanceledException)
        {
            TicketLog.RefreshFailed(logger, slot.Key.ToString(), ex.Message); // recorded on the slot, with its backoff
        }
    }
}
