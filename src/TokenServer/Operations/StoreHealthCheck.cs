using Microsoft.Extensions.Diagnostics.HealthChecks;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Operations;

/// <summary>Readiness: the token store answers a ping.</summary>
internal sealed class StoreHealthCheck(ITokenStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await store.PingAsync(cancellationToken).ConfigureAwait(false)
                ? HealthCheckResult.Healthy($"store '{store.Name}' is reachable")
                : HealthCheckResult.Unhealthy($"store '{store.Name}' does not answer");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception type only: a store's message could name its connection string.
            return HealthCheckResult.Unhealthy($"store '{store.Name}' is unreachable ({ex.GetType().Name})");
        }
    }
}
