using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TokenCenter.Server.Observability;

/// <summary>
/// Publishes the readiness checks (store, tokens, shutdown) as the gauge <c>tokencenter.health.status</c>
/// (1 healthy, 0 not, by <c>check</c>), from the health check publisher that ASP.NET Core runs
/// periodically: what alert rules need to page on "store unavailable" without scraping /readyz.
/// </summary>
internal sealed class HealthMetricsPublisher : IHealthCheckPublisher
{
    private volatile HealthReport? _last;

    public HealthMetricsPublisher(TokenCenterMetrics metrics)
    {
        metrics.Meter.CreateObservableGauge(
            "tokencenter.health.status",
            Observe,
            unit: null,
            description: "Readiness checks by check (store, tokens, shutdown): 1 healthy, 0 not.");
    }

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        _last = report;
        return Task.CompletedTask;
    }

    private IEnumerable<Measurement<int>> Observe()
    {
        if (_last is not { } report)
        {
            yield break;
        }

        foreach (var (name, entry) in report.Entries)
        {
            yield return new Measurement<int>(entry.Status == HealthStatus.Healthy ? 1 : 0, new KeyValuePair<string, object?>("check", name));
        }
    }
}
