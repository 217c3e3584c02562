using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Server.Storage.Redis;
using TokenCenter.Protocol;
using TokenServer.Redis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Replicas;

/// <summary>
/// The refresh never outlives the lock's lease (each test owns its cluster; the lease runs in real
/// time, as Redis expires it). WeChat is slowed with the simulator's latency (real time) and busy answers.
/// </summary>
public sealed class LeaseTests(ITestOutputHelper output)
{
    private static void Configure(Dictionary<string, string?> s)
    {
        s["TokenCenter:Refresh:LockLease"] = "00:00:02";
        s["TokenCenter:Refresh:LockWait"] = "00:00:08";
        s["TokenCenter:Upstream:Timeout"] = "00:00:01";
        s["TokenCenter:Upstream:MaxRetries"] = "3";
        s["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00";
    }

    [Fact]
    public async Task A_fetch_slower_than_the_lease_across_two_replicas_calls_WeChat_from_one_and_both_serve_the_last_token_issued()
    {
        await using var cluster = await ReplicaCluster.StartAsync(2, grant: "Classic", configure: Configure);
        var stale = await cluster.GetTokenAsync(0);
        var issued = cluster.IssuedTokens;
        var calls = cluster.TokenCalls;

        // WeChat answers each attempt after 0.6 s, the first three with -1 (busy, retried): replica 0's
        // fetch takes four attempts, about 2.4 s, longer than the 2 s lease.
        var faults = cluster.Sim.Sim.Faults;
        faults.Latency = TimeSpan.FromMilliseconds(600);
        faults.AppErrors[ReplicaCluster.AppId] = -1;
        var watch = Stopwatch.StartNew();
        var onA = cluster.ForceRefreshAsync(0, stale.Value);
        await Eventually.TrueAsync(() => cluster.TokenCalls >= calls + 1, "replica 0 called WeChat");
        var onB = cluster.ForceRefreshAsync(1, stale.Value); // waits for the lock replica 0 holds
        await Eventually.TrueAsync(() => cluster.TokenCalls >= calls + 3, "three busy answers");
        faults.AppErrors.TryRemove(ReplicaCluster.AppId, out _);

        var a = await onA;
        var fetch = watch.Elapsed;
        var b = await onB;
        faults.Latency = TimeSpan.Zero;
        output.WriteLine($"replica 0's fetch took {fetch.TotalMilliseconds:0} ms against a 2,000 ms lease; {cluster.TokenCalls - calls} WeChat calls, {cluster.IssuedTokens - issued} token(s) issued");

        Assert.True(fetch > TimeSpan.FromSeconds(2), $"the fetch ({fetch.TotalMilliseconds:0} ms) must outlast the lease for this test to mean anything");
        Assert.Equal(issued + 1, cluster.IssuedTokens); // exactly one token issued: replica 1 never called WeChat
        Assert.Equal(calls + 4, cluster.TokenCalls); // replica 0's four attempts, nobody else's
        Assert.Equal(a.Value, b.Value);
        Assert.Equal(a.Value, await cluster.StoredValueAsync());
        Assert.Equal(a.Value, (await cluster.GetTokenAsync(0)).Value);
        Assert.Equal(a.Value, (await cluster.GetTokenAsync(1)).Value);
        Assert.Equal(0, await cluster.BusinessCallAsync(a.Value));
    }

    [Fact]
    public async Task A_holder_that_loses_its_lease_during_the_fetch_cancels_it_writes_nothing_and_says_so()
    {
        await using var cluster = await ReplicaCluster.StartAsync(1, grant: "Classic", configure: Configure);
        var stale = await cluster.GetTokenAsync(0);
        var issued = cluster.IssuedTokens;
        var version = stale.Version;

        cluster.Sim.Sim.Faults.Latency = TimeSpan.FromSeconds(5);
        var lockKey = $"{cluster.Prefix}:lock:{{{ReplicaCluster.SlotKey}}}";
        var onA = cluster.ForceRefreshAsync(0, stale.Value);
        await Eventually.TrueAsync(async () => await cluster.Redis.CommandAsync("EXISTS", lockKey) == ":1", "replica 0 holds the lock");
        await Task.Delay(200); // inside the fetch (WeChat answers after 5 s)

        // The lock is taken from it (a failover lost the key and someone else set it): the next
        // extension is refused, the fetch is cancelled before WeChat issues anything.
        await cluster.Redis.CommandAsync("SET", lockKey, "someone-else", "PX", "30000");
        var failure = await Assert.ThrowsAsync<RpcException>(() => onA);
        cluster.Sim.Sim.Faults.Latency = TimeSpan.Zero;

        output.WriteLine($"{failure.StatusCode}: {failure.Status.Detail}");
        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.Contains("refresh lock", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("nothing was written", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(issued, cluster.IssuedTokens);
        Assert.Equal(stale.Value, await cluster.StoredValueAsync());
        Assert.Equal(version, (await cluster.GetTokenAsync(0)).Version);
        Assert.Equal("someone-else", await cluster.Redis.CommandAsync("GET", lockKey));
    }

    [Fact]
    public async Task When_the_lock_holder_dies_mid_fetch_a_survivor_takes_over_within_one_lease_and_serves_a_token()
    {
        // A 6 s lease (not the class's 2 s): the survivor then holds the lock through its own 0.9 s fetch even when a
        // loaded machine runs its lease extension a second or more late (a 2 s lease lapsed so once in 45 suite runs,
        // at load 11, and the survivor rightly gave up: "lapsed (during fetch); nothing was written").
        await using var cluster = await ReplicaCluster.StartAsync(2, grant: "Classic", configure: s =>
        {
            Configure(s);
            s["TokenCenter:Refresh:LockLease"] = "00:00:06";
            s["TokenCenter:Refresh:LockWait"] = "00:00:15";
        });
        var stale = await cluster.GetTokenAsync(0);
        cluster.Sim.Sim.Faults.Latency = TimeSpan.FromMilliseconds(900);
        var lockKey = $"{cluster.Prefix}:lock:{{{ReplicaCluster.SlotKey}}}";
        var onA = cluster.ForceRefreshAsync(0, stale.Value);
        await Eventually.TrueAsync(async () => await cluster.Redis.CommandAsync("EXISTS", lockKey) == ":1", "replica 0 holds the lock");

        // Replica 0 dies holding the lock: its connections drop, nothing is released.
        var onB = cluster.ForceRefreshAsync(1, stale.Value);
        var died = Stopwatch.StartNew();
        await cluster.Replica(0).Services.GetRequiredService<RedisConnection>().DisposeAsync();
        var stopping = cluster.StopReplicaAsync(0);
        _ = onA.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);

        var b = await onB;
        var tookOver = died.Elapsed;
        await stopping;
        cluster.Sim.Sim.Faults.Latency = TimeSpan.Zero;
        output.WriteLine($"replica 1 answered {tookOver.TotalMilliseconds:0} ms after replica 0 died (lease 6,000 ms, WeChat latency 900 ms)");

        Assert.NotEqual(stale.Value, b.Value);
        Assert.Equal(b.Value, await cluster.StoredValueAsync());
        // Replica 1's ForceRefresh answering a new token (not UNAVAILABLE "held elsewhere") is the behaviour: its lock
        // wait outlasts the dead holder's lease. How soon is printed above and benchmarked, never asserted in real time
        // (it missed a 5 s bound by 54 ms at load 130).
    }
}
