using TokenCenter.Testing.Platform;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// The platform scenario's upstream cost over simulated hours, on the platform tests' <see cref="ScheduleSimulation"/>:
/// one replica's real scheduler, engine and stores (in memory) on a ManualClock, with the server's default refresh
/// window and rate limit, passed once per simulated second (its SchedulerInterval). The authorizers start in a running
/// system's steady state. Counts calls per simulated hour and refreshes that came after the token had expired.
/// </summary>
internal static class PlatformScheduleSimulation
{
    public sealed record Outcome(int Authorizers, int Hours, IReadOnlyList<int> CallsPerHour, int Late, TimeSpan Ahead, TimeSpan Jitter, int Rate, TimeSpan Elapsed);

    public static async Task<Outcome> RunAsync(int count, int hours, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using var simulation = await ScheduleSimulation.StartAsync();
        await simulation.SeedSteadyStateAsync(count, seed: 42);
        await simulation.RunAsync(TimeSpan.FromHours(hours), cancellationToken);
        var defaults = simulation.Platform;
        return new Outcome(count, hours, simulation.CallsPerHour(hours), simulation.LateRefreshes(), defaults.AuthorizerAhead, defaults.AuthorizerJitter, defaults.AuthorizerRefreshRate, watch.Elapsed);
    }
}
