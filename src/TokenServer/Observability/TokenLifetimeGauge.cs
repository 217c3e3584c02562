using System.Diagnostics.Metrics;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Observability;

/// <summary>
/// The observable gauge <c>tokencenter.token.remaining</c>: seconds until the held token of each key
/// expires (0 when none is held or it expired). Read from the engine's slots at collection time.
/// Created at start by <see cref="MetricsStartup"/>.
/// </summary>
internal sealed class TokenLifetimeGauge
{
    public TokenLifetimeGauge(TokenCenterMetrics metrics, TokenEngine engine, TimeProvider time)
    {
        metrics.Meter.CreateObservableGauge(
            "tokencenter.token.remaining",
            () => Observe(engine, time),
            "s",
            "Remaining lifetime of the held token of each key.");
    }

    private static IEnumerable<Measurement<double>> Observe(TokenEngine engine, TimeProvider time)
    {
        var now = time.GetUtcNow();
        foreach (var slot in engine.Slots)
        {
            var token = slot.State?.Token;
            var remaining = token is not null && token.IsValidAt(now) ? (token.ExpiresAt - now).TotalSeconds : 0;
            yield return new Measurement<double>(remaining, new("kind", slot.Key.KindName), new("app", slot.Key.AppId));
        }
    }
}
