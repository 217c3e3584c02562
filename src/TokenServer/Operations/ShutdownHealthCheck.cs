using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TokenCenter.Server.Operations;

/// <summary>Readiness: not ready once the server is stopping, so load balancers drain it.</summary>
internal sealed class ShutdownHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("the server is shutting down")
            : HealthCheckResult.Healthy("serving"));
}
