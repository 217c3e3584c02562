using TokenServer.Redis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Topologies;

/// <summary>
/// Three replicas on a Redis Cluster of 3 masters + 3 replicas (containers); the master serving the
/// token's hash slot (every key of one token shares it) is stopped during operation.
/// </summary>
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_master_failover_keeps_tokens_served_and_refreshes_work_again_within_10_s_of_the_promotion()
    {
        await using var topology = await RedisFixture.StartClusterAsync();
        await using var cluster = await ReplicaCluster.StartAsync(3, grant: "Classic", redisConfiguration: topology.Configuration, configure: s =>
        {
            s["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00";
            s["Redis:EventsCheckInterval"] = "01:00:00";
        });
        var before = await cluster.GetTokenAsync(0);
        var tokenKey = $"{cluster.Prefix}:tok:{{{ReplicaCluster.SlotKey}}}";
        var master = await topology.MasterOfAsync(tokenKey);

        var failover = await FailoverProbe.RunAsync(cluster, output, () => master.StopAsync(), async () =>
        {
            var serving = await topology.MasterOfAsync(tokenKey);
            return serving != master;
        });

        failover.AssertHealthy(before);
        Assert.True(failover.NotReady > TimeSpan.Zero, "readiness reported the outage of writes in the token's slot");
    }
}
