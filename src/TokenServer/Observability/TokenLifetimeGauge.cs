using System.Diagnostics.Metrics;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Observability;

/// <summary>
/// The observable gauge <c>tokencenter.token.remaining</c>: seconds until the held token of each key
/// expires (0 when none is held or it expired), for the configured keys; and <c>tokencenter.dynamic_keys</c>, the
/// dynamic keys counted by kind, component and state. Read from the engine at collection time.
/// Created by the engine's constructor on the meter it receives: the gauges exist whenever an engine does, with no
/// start-up step to construct them.
/// </summary>
internal static class TokenLifetimeGauge
{
    public static void Create(TokenCenterMetrics metrics, TokenEngine engine, TimeProvider time)
    {
        metrics.Meter.CreateObservableGauge(
            "tokencenter.token.remaining",
            () => Observe(engine, time),
            "s",
            "Remaining lifetime of the held token of each key.");
        metrics.Meter.CreateObservableGauge(
            "tokencenter.dynamic_keys",
            () => ObserveDynamic(engine),
            null,
            "Dynamic keys (authorizer tokens, JS-SDK tickets) by kind, component and state (valid, invalid, needs_reauthorization): counts, never a label per authorizer.");
    }

    private static IEnumerable<Measurement<long>> ObserveDynamic(TokenEngine engine)
    {
        foreach (var count in engine.DynamicKeyCounts())
        {
            var kind = new KeyValuePair<string, object?>("kind", new TokenSlotKey(count.Kind, string.Empty, string.Empty).KindName);
            // "none" for an app's own tickets: an empty label value is no label at all to Prometheus.
            var component = new KeyValuePair<string, object?>("component", count.ComponentAppId.Length > 0 ? count.ComponentAppId : "none");
            yield return new Measurement<long>(count.Valid, kind, component, new("state", "valid"));
            yield return new Measurement<long>(count.Invalid, kind, component, new("state", "invalid"));
            yield return new Measurement<long>(count.NeedsReauthorization, kind, component, new("state", "needs_reauthorization"));
        }
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
