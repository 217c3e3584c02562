using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Crypto;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;
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

    [Theory]
    [InlineData("authorized")]
    [InlineData("imported")]
    public async Task Ten_thousand_authorizers_obtained_at_one_instant_are_refreshed_before_expiry_by_one_replica_and_then_once_per_lifetime(string how)
    {
        // A bulk authorization (api_query_auth answers at one instant) or a bulk import (records and tokens stored at
        // one instant, no due entries: the schedule rebuild finds them). In the default window alone they would all
        // fall due within its 4 minutes (about 42/s against the rate of 20/s; 10,000 take 500 s at 20/s, and the first
        // is due 420 s before they all expire), so some would be refreshed after expiry.
        const int Count = 10_000;
        await using var simulation = await ScheduleSimulation.StartAsync();
        var defaults = simulation.Platform;
        var start = simulation.Start;
        var registry = simulation.Replicas[0].GetRequiredService<AuthorizerRegistry>();
        var cipher = simulation.Replicas[0].GetRequiredService<SecretCipher>();
        const string Component = ScheduleSimulation.Component;
        var apps = Enumerable.Range(0, Count).Select(ScheduleSimulation.AppId).ToArray();
        foreach (var app in apps)
        {
            if (how == "authorized")
            {
                await using var lease = await registry.LockAsync(AuthorizerTokenSource.KeyOf(Component, app), default);
                await registry.AuthorizedAsync(Component, new AuthorizerTokenResult(0, string.Empty, app, "first-" + app, Lifetime, "rt-" + app), start, default);
            }
            else
            {
                await simulation.Authorizers.SaveAsync(new AuthorizerRecord(Component, app, cipher.Encrypt("rt-" + app, AuthorizerTokenSource.AssociatedData(Component, app)), start, false), default);
                await simulation.Tokens.TryWriteAsync(AuthorizerTokenSource.KeyOf(Component, app), new StoredToken("first-" + app, start + Lifetime, start, 1), default);
            }
        }

        await simulation.RunAsync(3 * Lifetime);
        var end = simulation.Clock.GetUtcNow();

        var byApp = simulation.CallsByApp();
        Assert.Equal(Count, byApp.Count);
        var costs = new List<double>();
        foreach (var app in apps)
        {
            var times = byApp[app];
            var expires = start + Lifetime;
            Assert.True(times[0] >= start + (Lifetime / 2), $"{app}: its first token was refreshed at {times[0]:o}, in the first half of its lifetime");
            for (var i = 0; i < times.Count; i++)
            {
                Assert.True(times[i] < expires, $"{app} refreshed at {times[i]:o}, after its token expired at {expires:o}");
                if (i > 0)
                {
                    costs.Add(Lifetime / (Lifetime - (expires - times[i])));
                }

                expires = times[i] + Lifetime;
            }

            Assert.True(expires > end, $"{app} holds no valid token at the end");
        }

        // After the first refresh, the normal window: calls per lifetime, measured on each later refresh.
        Assert.True(costs.Count >= Count, $"{costs.Count} refreshes after the first ones");
        Assert.True(costs.Average() <= 1.05, $"mean cost after the first refresh {costs.Average():0.0000} x one call per lifetime ({costs.Count} refreshes)");
        var perSecond = simulation.Upstream.Calls.GroupBy(c => c.At.ToUnixTimeSeconds()).Max(g => g.Count());
        Assert.True(perSecond <= defaults.AuthorizerRefreshRate, $"{perSecond} calls in one second (rate {defaults.AuthorizerRefreshRate}/s)");
    }
}
