using System.Diagnostics;
using TokenServer.Redis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Replicas;

/// <summary>
/// 48 simulated hours of three replicas on one clock shared with the simulator: replicas restarted at
/// random (fixed seed), Redis restarted twice (losing everything), 10 % of upstream token calls
/// answering -1, a few forced refreshes, and a business call through the simulator's validating API
/// at every step with a token from one of the replicas.
/// </summary>
public sealed class LongRunTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Duration = TimeSpan.FromHours(48);

    [Fact]
    public async Task Forty_eight_hours_with_replica_and_redis_restarts_and_busy_upstream_never_serve_a_rejected_token()
    {
        await using var cluster = await ReplicaCluster.StartAsync(3);
        cluster.Sim.Sim.Faults.Seed = 20260101;
        cluster.Sim.Sim.Faults.BusyShare = 0.1;
        var random = new Random(4242);
        var steps = (int)(Duration / Step);
        var replicaRestarts = Enumerable.Range(0, 6).Select(_ => random.Next(10, steps)).ToHashSet();
        var redisRestarts = new HashSet<int> { random.Next(100, steps / 2), random.Next(steps / 2, steps - 100) };
        var forcedAt = new HashSet<int> { steps / 4, steps / 2 + 7, (3 * steps / 4) + 3 };
        var issuedAtStart = cluster.IssuedTokens;
        var callsAtStart = cluster.TokenCalls;
        var failures = new Dictionary<int, int>();
        var watch = Stopwatch.StartNew();
        var forced = 0;

        for (var step = 0; step < steps; step++)
        {
            if (replicaRestarts.Contains(step))
            {
                var index = random.Next(3);
                await cluster.StopReplicaAsync(index);
                await cluster.StartReplicaAsync(index);
                await cluster.GetTokenAsync(index);
            }

            if (redisRestarts.Contains(step))
            {
                await RestartRedisAsync(cluster);
            }

            var replica = step % 3;
            var token = await cluster.GetTokenAsync(replica);
            Assert.True(token.ExpiresAt.ToDateTimeOffset() > cluster.Clock.GetUtcNow(), "a served token is never expired");
            Count(failures, await cluster.BusinessCallAsync(token.Value));

            if (forcedAt.Contains(step))
            {
                var fresh = await cluster.ForceRefreshAsync((replica + 1) % 3, token.Value);
                Assert.NotEqual(token.Value, fresh.Value);
                Count(failures, await cluster.BusinessCallAsync(fresh.Value));
                forced++;
            }

            cluster.Clock.Advance(Step);
            await Eventually.TrueAsync(() => cluster.Settled(), $"the replicas settle after step {step}");
        }

        var issued = cluster.IssuedTokens - issuedAtStart;
        var calls = cluster.TokenCalls - callsAtStart;
        // Stable grant: refreshed 3 to 4 minutes before expiry, so at most one token per (lifetime - 4 min).
        var lifetimes = (int)Math.Ceiling(Duration / (cluster.Sim.Sim.Options.TokenLifetime - TimeSpan.FromMinutes(4)));
        output.WriteLine($"{steps} steps in {watch.Elapsed.TotalSeconds:0.0} s: {issued} tokens issued, {calls} upstream token calls (-1 answers and stable normal-mode probes included), {forced} forced refreshes, {replicaRestarts.Count} replica restarts, {redisRestarts.Count} Redis restarts; business call errcodes: {string.Join(", ", failures.Select(f => $"{f.Key}×{f.Value}"))}");
        Assert.DoesNotContain(40001, failures.Keys);
        Assert.DoesNotContain(42001, failures.Keys);
        Assert.Equal([0], failures.Keys.ToArray());
        Assert.True(issued <= lifetimes + forced, $"{issued} tokens issued; at most {lifetimes} lifetimes + {forced} forced refreshes expected");
    }

    /// <summary>Kills Redis, serves two steps from memory, restarts it empty and waits for the write-back.</summary>
    private static async Task RestartRedisAsync(ReplicaCluster cluster)
    {
        var held = await cluster.GetTokenAsync(0);
        cluster.Redis.Kill();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(held.Value, (await cluster.GetTokenAsync(i)).Value);
        }

        await cluster.Redis.RestartAsync();
        await Eventually.TrueAsync(
            async () => await cluster.StoredValueAsync() is { } stored && cluster.HeldVersions().Distinct().Count() == 1
                && stored == (await cluster.GetTokenAsync(0)).Value,
            "the held token is back in Redis");
    }

    private static void Count(Dictionary<int, int> codes, int code) => codes[code] = codes.GetValueOrDefault(code) + 1;
}
