using TokenCenter.Server.Platform;
using TokenCenter.Testing.Platform;

namespace TokenServer.Platform.Tests;

/// <summary>
/// The default refresh window (TokenCenter:Platform:AuthorizerAhead / AuthorizerJitter) keeps the upstream cost within
/// 1.05 x one api_authorizer_token per 2 h lifetime while every token is still refreshed before it expires: one replica's
/// scheduler with the default options over simulated hours, authorizers seeded as a running system holds them.
/// </summary>
public sealed class RefreshWindowTests
{
    private static readonly TimeSpan Lifetime = ScheduleSimulation.Lifetime;

    [Fact]
    public void The_default_window_costs_at_most_1_05_times_one_call_per_lifetime_and_one_replica_can_serve_100000_authorizers()
    {
        var defaults = new PlatformSettings();
        var meanLead = defaults.AuthorizerAhead + (defaults.AuthorizerJitter / 2);
        Assert.True(Lifetime / (Lifetime - meanLead) <= 1.05, $"mean lead {meanLead} costs {Lifetime / (Lifetime - meanLead):0.000} x");
        Assert.True(defaults.AuthorizerAhead >= TimeSpan.FromMinutes(2), "some slack is left before expiry for a retry");
        Assert.True(defaults.AuthorizerJitter > TimeSpan.Zero, "due times are spread");
        Assert.True(defaults.AuthorizerRefreshRate > 100_000 / Lifetime.TotalSeconds, "one replica's rate covers 100,000 authorizers");
    }

    [Fact]
    public async Task With_the_default_options_each_authorizer_is_refreshed_once_per_lifetime_within_its_window_and_never_after_expiry()
    {
        const int Count = 3_000;
        await using var simulation = await ScheduleSimulation.StartAsync();
        var defaults = simulation.Platform;
        await simulation.SeedSteadyStateAsync(Count, seed: 7);
        await simulation.RunAsync(TimeSpan.FromHours(5));
        var end = simulation.Clock.GetUtcNow();

        var byApp = simulation.CallsByApp();
        Assert.Equal(Count, byApp.Count);
        var costs = new List<double>();
        var window = defaults.AuthorizerAhead + defaults.AuthorizerJitter;
        foreach (var (app, times) in byApp)
        {
            var expires = simulation.SeededExpiry[app];
            foreach (var at in times)
            {
                Assert.True(at < expires, $"{app} refreshed at {at:o}, after its token expired at {expires:o}");
                Assert.True(expires - at <= window + defaults.SchedulerInterval, $"{app} refreshed {expires - at} before expiry: earlier than the window {window}");
                costs.Add(Lifetime / (Lifetime - (expires - at)));
                expires = at + Lifetime;
            }

            Assert.True(expires > end, $"{app} holds no valid token at the end");
        }

        // Calls per lifetime, measured on every refresh: lifetime / time the replaced token was used.
        Assert.True(costs.Average() <= 1.05, $"mean cost {costs.Average():0.0000} x one call per lifetime ({costs.Count} refreshes)");
    }
}
