namespace TokenCenter.Server.Observability;

/// <summary>
/// Creates the instruments that nothing else depends on (the token lifetime gauge) when the host starts,
/// so that they exist before the first scrape. An ordinary dependency of a hosted service, resolved by
/// the host with every other one: no resolution at registration time.
/// </summary>
internal sealed class MetricsStartup(TokenLifetimeGauge gauge) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = gauge;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
