using TokenCenter.Testing;
using TokenCenter.Protocol;
using TokenServer.Redis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Replicas;

/// <summary>
/// The lease covers one upstream attempt, not the whole retry budget (docs/redis.md, "The refresh
/// lock's lease"): that is safe only if a holder whose extension fails makes no further attempt. Here
/// WeChat answers the first attempt "-1 busy", the lock is taken from the holder during the backoff
/// before the retry, and WeChat would issue a token to any later attempt.
/// </summary>
public sealed class LeaseRetryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_holder_whose_extension_fails_during_the_retry_backoff_makes_no_further_attempt_and_writes_nothing()
    {
        await using var cluster = await ReplicaCluster.StartAsync(1, grant: "Classic", configure: s =>
        {
            s["TokenCenter:Refresh:LockLease"] = "00:00:02";
            s["TokenCenter:Refresh:LockWait"] = "00:00:08";
            s["TokenCenter:Upstream:Timeout"] = "00:00:01";
            s["TokenCenter:Upstream:MaxRetries"] = "3";
            // A backoff far longer than the lease: the loss is noticed (next extension, ≤ half a lease) inside it.
            s["TokenCenter:Upstream:RetryBaseDelay"] = "00:00:20";
            s["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00";
        });
        var stale = await cluster.GetTokenAsync(0);
        var issued = cluster.IssuedTokens;
        var calls = cluster.TokenCalls;
        var lockKey = $"{cluster.Prefix}:lock:{{{ReplicaCluster.SlotKey}}}";

        cluster.Sim.Sim.Faults.BusyShare = 1;
        var onA = cluster.ForceRefreshAsync(0, stale.Value);
        await Eventually.TrueAsync(() => cluster.TokenCalls == calls + 1, "WeChat answered the first attempt -1 busy");

        // In the backoff before the retry, the lock is taken from the holder; a retry would now get a token.
        await cluster.Redis.CommandAsync("SET", lockKey, "someone-else", "PX", "30000");
        cluster.Sim.Sim.Faults.BusyShare = 0;

        var failure = await Assert.ThrowsAsync<RpcException>(() => onA);
        output.WriteLine($"{failure.StatusCode}: {failure.Status.Detail}");
        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.Contains("nothing was written", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(calls + 1, cluster.TokenCalls);
        Assert.Equal(issued, cluster.IssuedTokens);
        Assert.Equal(stale.Value, await cluster.StoredValueAsync());
        Assert.Equal(stale.Version, (await cluster.GetTokenAsync(0)).Version);
        Assert.Equal("someone-else", await cluster.Redis.CommandAsync("GET", lockKey));
    }
}
