using System.Text.Json;

namespace WeChatSimulator.Internal;

/// <summary>Applies a partial <c>POST /_sim/faults</c> body to <see cref="SimulatorFaults"/>; absent keys stay unchanged.</summary>
internal static class FaultsJson
{
    public static void Apply(SimulatorFaults faults, JsonElement body)
    {
        if (body.TryGetProperty("latency_ms", out var latency))
        {
            var ms = latency.GetDouble();
            ArgumentOutOfRangeException.ThrowIfNegative(ms, "latency_ms");
            faults.Latency = TimeSpan.FromMilliseconds(ms);
        }

        if (body.TryGetProperty("busy_share", out var busy))
        {
            var share = busy.GetDouble();
            if (share is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException("busy_share", share, "busy_share must be within 0..1");
            }

            faults.BusyShare = share;
        }

        if (body.TryGetProperty("seed", out var seed))
        {
            faults.Seed = seed.ValueKind == JsonValueKind.Null ? null : seed.GetInt32();
        }

        if (body.TryGetProperty("reject_ip", out var rejectIp))
        {
            faults.RejectIp = rejectIp.GetBoolean();
        }

        if (body.TryGetProperty("quota_exhausted_apps", out var exhausted))
        {
            var apps = exhausted.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList();
            lock (faults.QuotaExhaustedApps)
            {
                faults.QuotaExhaustedApps.Clear();
                faults.QuotaExhaustedApps.UnionWith(apps);
            }
        }

        if (body.TryGetProperty("app_errors", out var appErrors))
        {
            var errors = appErrors.EnumerateObject().Select(p => (p.Name, Code: p.Value.GetInt32())).ToList();
            faults.AppErrors.Clear();
            foreach (var (app, code) in errors)
            {
                faults.AppErrors[app] = code;
            }
        }

        if (body.TryGetProperty("component_errors", out var componentErrors))
        {
            var errors = componentErrors.EnumerateObject().Select(p => (p.Name, Code: p.Value.GetInt32())).ToList();
            faults.ComponentErrors.Clear();
            foreach (var (component, code) in errors)
            {
                faults.ComponentErrors[component] = code;
            }
        }
    }
}
