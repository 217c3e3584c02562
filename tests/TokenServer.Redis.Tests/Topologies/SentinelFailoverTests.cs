using System.Collections.Concurrent;
using System.Diagnostics;
using TokenCenter.Protocol;
using TokenServer.Redis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Topologies;

/// <summary>
/// Three replicas on a Sentinel-managed primary with one replica (containers), configured as an
/// operator would (<c>sentinels…,serviceName=</c>); the primary is stopped during operation.
/// </summary>
public sealed class SentinelFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_primary_failover_keeps_tokens_served_and_refreshes_work_again_within_10_s_of_the_promotion()
    {
        await using var topology = await RedisFixture.StartSentinelAsync();
        await using var cluster = await ReplicaCluster.StartAsync(3, grant: "Classic", redisConfiguration: topology.Configuration, configure: s =>
        {
            s["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00";
            // Only pub/sub propagates within the test: the periodic version check would hide a lost subscription.
            s["Redis:EventsCheckInterval"] = "01:00:00";
        });
        var before = await cluster.GetTokenAsync(0);
        var oldPrimary = await topology.PrimaryAddressAsync();
        Assert.Equal(topology.Primary.IpAddress, oldPrimary);

        var failover = await FailoverProbe.RunAsync(cluster, output, async () =>
        {
            await topology.Primary.StopAsync();
        }, async () => await topology.PrimaryAddressAsync() != oldPrimary);

        Assert.Equal(topology.Replica.IpAddress, await topology.PrimaryAddressAsync());
        failover.AssertHealthy(before);
        Assert.True(failover.NotReady > TimeSpan.Zero, "readiness reported the outage of writes before the promotion");
    }
}

/// <summary>
/// Drives a failover: GetToken on every replica and ForceRefresh on replica 0 keep running while
/// <c>trigger</c> takes the master away; records what callers saw, when the promotion happened and
/// when a refresh worked again; then checks a ForceRefresh storm, push to every replica and readiness.
/// </summary>
internal sealed class FailoverProbe
{
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<(int Replica, long Version)> _versions = new();

    private FailoverProbe(ReplicaCluster cluster) => Cluster = cluster;

    public ReplicaCluster Cluster { get; }

    public TimeSpan Promotion { get; private set; }

    public TimeSpan RefreshAgain { get; private set; }

    public TimeSpan NotReady { get; private set; }

    public int StormUpstreamCalls { get; private set; }

    public IReadOnlyCollection<string> Errors => _errors;

    public static async Task<FailoverProbe> RunAsync(ReplicaCluster cluster, ITestOutputHelper output, Func<Task> trigger, Func<Task<bool>> promoted)
    {
        var probe = new FailoverProbe(cluster);
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, cluster.Replicas.Length).Select(i => probe.ReadAsync(i, stop.Token)).ToArray();
        var readiness = probe.WatchReadinessAsync(stop.Token);
        var watch = Stopwatch.StartNew();
        await trigger();
        var triggered = watch.Elapsed;

        // A caller on replica 1 forces refreshes throughout the outage: what it sees is recorded.
        using var outageOver = new CancellationTokenSource();
        var outageCaller = probe.ForceDuringOutageAsync(1, outageOver.Token);
        await Eventually.TrueAsync(RedisContainers.Tolerant(promoted), "the replica was promoted", bound: TimeSpan.FromSeconds(60));
        probe.Promotion = watch.Elapsed - triggered;
        outageOver.Cancel();
        await outageCaller;

        // Refreshes work again: ForceRefresh on replica 0 with its current token as stale.
        while (true)
        {
            var current = await cluster.GetTokenAsync(0);
            try
            {
                var fresh = await cluster.ForceRefreshAsync(0, current.Value);
                if (fresh.Value != current.Value)
                {
                    break;
                }
            }
            catch (RpcException ex)
            {
                probe._errors.Enqueue($"{ex.StatusCode}: {ex.Status.Detail}");
            }

            if (watch.Elapsed - triggered > TimeSpan.FromSeconds(90))
            {
                Assert.Fail("no refresh worked within 90 s of the failover: " + string.Join(" | ", probe._errors.Distinct().Take(5)));
            }

            await Task.Delay(100);
        }

        probe.RefreshAgain = watch.Elapsed - triggered - probe.Promotion;

        // A storm after the failover reaches WeChat once.
        var stale = await cluster.GetTokenAsync(0);
        await Eventually.TrueAsync(
            async () => (await Task.WhenAll(Enumerable.Range(0, cluster.Replicas.Length).Select(cluster.GetTokenAsync))).All(t => t.Version == stale.Version),
            "every replica holds the refreshed token (pub/sub)", bound: TimeSpan.FromSeconds(10));
        var issued = cluster.IssuedTokens;
        var storm = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => cluster.ForceRefreshAsync(i % cluster.Replicas.Length, stale.Value)));
        probe.StormUpstreamCalls = cluster.IssuedTokens - issued;
        Assert.Single(storm.Select(t => t.Value).Distinct());

        // Pushed to every replica by pub/sub (the version check is off in these tests).
        await Eventually.TrueAsync(
            async () => (await Task.WhenAll(Enumerable.Range(0, cluster.Replicas.Length).Select(cluster.GetTokenAsync))).All(t => t.Value == storm[0].Value),
            "every replica holds the storm's token (pub/sub after the failover)", bound: TimeSpan.FromSeconds(10));

        await Eventually.TrueAsync(
            async () => (await Task.WhenAll(Enumerable.Range(0, cluster.Replicas.Length).Select(cluster.ReadyzAsync))).All(r => r.Status == 200),
            "every replica is ready again");
        stop.Cancel();
        await Task.WhenAll(readers);
        probe.NotReady = await readiness;
        output.WriteLine($"promotion {probe.Promotion.TotalSeconds:0.0} s after the master stopped; refreshes worked again {probe.RefreshAgain.TotalSeconds:0.0} s after the promotion; " +
            $"replica 0 not ready for {probe.NotReady.TotalSeconds:0.0} s; storm of 60 → {probe.StormUpstreamCalls} upstream call(s); errors callers saw: {string.Join(" | ", probe._errors.Distinct().Take(6))}");
        return probe;
    }

    public void AssertHealthy(TokenCenter.V1.Token before)
    {
        Assert.True(RefreshAgain <= TimeSpan.FromSeconds(10), $"refreshes worked again {RefreshAgain.TotalSeconds:0.0} s after the promotion (target ≤ 10 s)");
        Assert.Equal(1, StormUpstreamCalls);
        Assert.All(Errors, e => Assert.DoesNotContain("held elsewhere", e, StringComparison.Ordinal));
        Assert.All(Errors, e => Assert.StartsWith("Unavailable", e, StringComparison.Ordinal));
        foreach (var replica in _versions.GroupBy(v => v.Replica))
        {
            var seen = replica.Select(v => v.Version).ToArray();
            Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Second >= p.First), $"replica {replica.Key}'s version went backwards");
            Assert.True(seen.Min() >= before.Version);
        }
    }

    private async Task ForceDuringOutageAsync(int replica, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var current = await Cluster.GetTokenAsync(replica);
                await Cluster.ForceRefreshAsync(replica, current.Value);
            }
            catch (RpcException ex)
            {
                _errors.Enqueue($"{ex.StatusCode}: {ex.Status.Detail}");
            }

            await Task.Delay(200, CancellationToken.None);
        }
    }

    private async Task ReadAsync(int replica, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var token = await Cluster.GetTokenAsync(replica);
                _versions.Enqueue((replica, token.Version));
            }
            catch (RpcException ex)
            {
                Assert.Fail($"GetToken on replica {replica} failed during the failover: {ex.StatusCode}: {ex.Status.Detail}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    private async Task<TimeSpan> WatchReadinessAsync(CancellationToken cancellationToken)
    {
        var notReady = TimeSpan.Zero;
        var last = Stopwatch.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            var (status, _) = await Cluster.ReadyzAsync(0);
            var now = Stopwatch.GetTimestamp();
            if (status != 200)
            {
                notReady += Stopwatch.GetElapsedTime(last, now);
            }

            last = now;
            await Task.Delay(50, CancellationToken.None);
        }

        return notReady;
    }
}
