using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform;
using TokenCenter.Testing.Platform;
using Xunit.Abstractions;

namespace TokenServer.Platform.Tests;

/// <summary>
/// Many authorizers, two replicas sharing one store, due set and lock, over two simulated token lifetimes:
/// every authorizer is refreshed before its token expires, never twice in one lifetime, and each replica stays
/// within its upstream rate. The count comes from PLATFORM_SCALE_AUTHORIZERS (default 100,000, the issue's scale).
/// </summary>
public sealed class ScaleTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Lifetime = ScheduleSimulation.Lifetime;
    private static readonly TimeSpan Ahead = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Jitter = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task Authorizers_are_refreshed_once_per_lifetime_across_two_replicas_within_the_rate_limit()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_SCALE_AUTHORIZERS"), out var n) ? n : 100_000;
        var rate = Math.Max(2, (int)Math.Ceiling(count / 5000.0)); // per replica; the need is count / ~5,400 s in total
        var stopwatch = Stopwatch.StartNew();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        await using var simulation = await ScheduleSimulation.StartAsync(replicas: 2, new Dictionary<string, string?>
        {
            ["TokenCenter:Platform:AuthorizerAhead"] = Ahead.ToString(),
            ["TokenCenter:Platform:AuthorizerJitter"] = Jitter.ToString(),
            ["TokenCenter:Platform:AuthorizerRefreshRate"] = rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        // Seed: authorizers stored with tokens obtained over the last lifetime, as a running system has them.
        await simulation.SeedSteadyStateAsync(count, seed: 42);
        var seeded = stopwatch.Elapsed;
        await simulation.RunAsync(2 * Lifetime);
        var end = simulation.Clock.GetUtcNow();

        var calls = simulation.Upstream.Calls;
        var elapsed = stopwatch.Elapsed;
        output.WriteLine($"scheduled {simulation.Authorizers.ScheduledCount}, available {simulation.Replicas[0].GetRequiredService<AuthorizerRateLimiter>().Available}, slots {simulation.Replicas[0].GetRequiredService<TokenEngine>().DynamicSlotCount}");
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: false);
        output.WriteLine($"{count} authorizers, rate {rate}/s per replica: seeded in {seeded.TotalSeconds:F1} s, 4 simulated hours in {(elapsed - seeded).TotalSeconds:F1} s; " +
            $"{calls.Count} refreshes (a: {calls.Count(c => c.Replica == "a")}, b: {calls.Count(c => c.Replica == "b")}); managed heap +{(memoryAfter - memoryBefore) / (1024 * 1024)} MB");

        // Every authorizer: refreshed with its own refresh token before each token expired, never twice within one
        // lifetime, valid at the end.
        Assert.All(calls, c => Assert.Equal("rt-" + c.App, c.RefreshToken));
        var byApp = simulation.CallsByApp();
        Assert.Equal(count, byApp.Count);
        foreach (var (app, times) in byApp)
        {
            Assert.True(times.Count >= 2, $"{app} refreshed {times.Count} times in two lifetimes");
            var expires = simulation.SeededExpiry[app];
            foreach (var at in times)
            {
                Assert.True(at < expires, $"{app} refreshed at {at:o}, after its token expired at {expires:o}");
                Assert.True(expires - at <= Ahead + Jitter + TimeSpan.FromMinutes(1), $"{app} refreshed {expires - at} before expiry: too early (double refresh)");
                expires = at + Lifetime;
            }

            Assert.True(expires > end, $"{app} holds no valid token at the end");
        }

        // Upstream rate: each replica within its token bucket (burst = rate per second).
        foreach (var group in calls.GroupBy(c => c.Replica))
        {
            var perSecond = group.GroupBy(c => c.At.ToUnixTimeSeconds()).Max(g => g.Count());
            Assert.True(perSecond <= rate, $"replica {group.Key} made {perSecond} calls in one second (limit {rate})");
        }

        Assert.All(new[] { "a", "b" }, name => Assert.True(calls.Any(c => c.Replica == name), $"replica {name} refreshed none"));
    }
}
