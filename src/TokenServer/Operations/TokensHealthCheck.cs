using Microsoft.Extensions.Diagnostics.HealthChecks;
using TokenCenter.Server.Engine;
using TokenCenter.V1;

namespace TokenCenter.Server.Operations;

/// <summary>
/// Readiness: every configured key holds a valid token. The description names each key that does not and why (the
/// last upstream error, or that none was obtained yet). Read from memory, without a store call, in time independent
/// of the number of dynamic keys: authorizers (up to 100,000) and JS-SDK tickets do not decide readiness (one account
/// that must authorize again does not stop a replica serving all others); they are reported as counts.
/// </summary>
internal sealed class TokensHealthCheck(TokenEngine engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var keys = engine.ConfiguredKeyStatus();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var counts = new List<string>();
        foreach (var count in engine.DynamicKeyCounts())
        {
            var group = $"{new TokenSlotKey(count.Kind, count.ComponentAppId, string.Empty).KindName}:{count.ComponentAppId}";
            var text = $"{count.Valid} valid, {count.Invalid} without a valid token, {count.NeedsReauthorization} need re-authorization";
            data[group] = text;
            counts.Add($"{group}: {text}");
        }

        var suffix = counts.Count > 0 ? " (dynamic keys, not deciding readiness: " + string.Join("; ", counts) + ")" : string.Empty;
        var problems = keys.Where(k => !k.HasValidToken).ToList();
        if (problems.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"all {keys.Count} configured keys hold a valid token{suffix}", data));
        }

        foreach (var k in problems)
        {
            data[Name(k.Key)] = Reason(k);
        }

        return Task.FromResult(HealthCheckResult.Unhealthy(string.Join("; ", problems.Select(Describe)) + suffix, data: data));
    }

    private static string Describe(KeyStatus k) => $"{Name(k.Key)} has no valid token: {Reason(k)}";

    private static string Reason(KeyStatus k) => k.LastError is { } e && (e.Errcode != 0 || e.Errmsg.Length > 0)
        ? $"last upstream error {e.Errcode}: {e.Errmsg}"
        : k.Version > 0 ? "the held token expired" : "no token obtained yet";

    internal static string Name(TokenKey key) => TokenSlotKey.FromProto(key).ToString();
}
