using Microsoft.Extensions.Diagnostics.HealthChecks;
using TokenCenter.Server.Engine;
using TokenCenter.V1;

namespace TokenCenter.Server.Operations;

/// <summary>
/// Readiness: every configured key holds a valid token. The description names each key that does not
/// and why (the last upstream error, or that none was obtained yet).
/// </summary>
internal sealed class TokensHealthCheck(TokenEngine engine) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = await engine.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        var problems = status.Keys.Where(k => !k.HasValidToken).Select(Describe).ToList();
        if (problems.Count == 0)
        {
            return HealthCheckResult.Healthy($"all {status.Keys.Count} keys hold a valid token");
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var k in status.Keys.Where(k => !k.HasValidToken))
        {
            data[Name(k.Key)] = Reason(k);
        }

        return HealthCheckResult.Unhealthy(string.Join("; ", problems), data: data);
    }

    private static string Describe(KeyStatus k) => $"{Name(k.Key)} has no valid token: {Reason(k)}";

    private static string Reason(KeyStatus k) => k.LastError is { } e && (e.Errcode != 0 || e.Errmsg.Length > 0)
        ? $"last upstream error {e.Errcode}: {e.Errmsg}"
        : k.Version > 0 ? "the held token expired" : "no token obtained yet";

    internal static string Name(TokenKey key) => TokenSlotKey.FromProto(key).ToString();
}
