using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// Readiness of the Redis store: Unhealthy with the reason when the store does not answer a PING or
/// fewer than a quorum of lock masters are connected; Degraded when some lock masters are down.
/// </summary>
internal sealed class RedisStoreHealthCheck(RedisTokenStore store, RedisRefreshLock redlock) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failure = await store.CheckAsync(cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return HealthCheckResult.Unhealthy(failure);
        }

        var masters = redlock.Masters;
        var connected = masters.Count(m => m.IsConnected);
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["lockMasters"] = masters.Count,
            ["lockMastersConnected"] = connected,
            ["writeProbes"] = store.ProbedMasters,
        };
        if (connected < redlock.Quorum)
        {
            return HealthCheckResult.Unhealthy(
                $"Only {connected} of {masters.Count} lock masters are connected; {redlock.Quorum} are needed.", data: data);
        }

        return connected < masters.Count
            ? HealthCheckResult.Degraded($"{masters.Count - connected} of {masters.Count} lock masters are not connected.", data: data)
            : HealthCheckResult.Healthy(store.ProbedMasters > 1 ? $"Redis answers; {store.ProbedMasters} cluster masters accept writes." : "Redis answers.", data);
    }
}
