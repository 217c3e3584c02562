using TokenCenter.Testing;
using Testcontainers.Redis;
using TokenCenter.Protocol;
using TokenServer.Redis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Topologies;

/// <summary>
/// Readiness on a Redis Cluster reports an outage of writes in the token's hash slot, not only in the
/// slot of one probe key. The cluster keeps serving the other slots (<c>cluster-require-full-coverage no</c>)
/// and the token master's replica does not take over by itself (<c>cluster-replica-no-failover yes</c> on it;
/// the flag shows as <c>nofailover</c> in CLUSTER NODES, so it is set on that replica only), so the outage of the
/// token's slot lasts until the test promotes the replica (<c>CLUSTER FAILOVER TAKEOVER</c>): no race
/// with an automatic promotion.
/// </summary>
public sealed class ClusterReadinessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Readyz_is_unavailable_while_the_token_slots_master_is_down_though_other_slots_accept_writes_and_ready_again_after_the_promotion()
    {
        await using var topology = await ClusterTopology.StartAsync();
        foreach (var node in topology.Nodes)
        {
            await RedisContainers.CliAsync(node, "config", "set", "cluster-require-full-coverage", "no");
        }

        await using var cluster = await ReplicaCluster.StartAsync(1, grant: "Classic", redisConfiguration: topology.Configuration, configure: s =>
        {
            s["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00";
            s["Redis:EventsCheckInterval"] = "01:00:00";
        });
        var tokenKey = $"{cluster.Prefix}:tok:{{{ReplicaCluster.SlotKey}}}";
        var master = await MasterOfAsync(topology, tokenKey);
        var masterId = await RedisContainers.CliAsync(master, "cluster", "myid");
        var replica = await ReplicaOfAsync(topology, masterId);
        await RedisContainers.CliAsync(replica, "config", "set", "cluster-replica-no-failover", "yes");
        await Eventually.TrueAsync(async () => (await cluster.ReadyzAsync(0)).Status == 200, "the replica is ready");

        var masterIp = master.IpAddress; // empty once the container is stopped
        await master.StopAsync();

        // The token's slot cannot be written: a forced refresh fails with the store's error.
        string? failure = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                var current = await cluster.GetTokenAsync(0);
                await cluster.ForceRefreshAsync(0, current.Value);
                return false;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                failure = ex.Status.Detail;
                return true;
            }
        }, "a refresh of the token's slot fails");
        output.WriteLine($"refresh: {failure}");
        Assert.Contains("store", failure, StringComparison.Ordinal);

        // ... while the other masters accept writes (the premise: a probe key elsewhere would succeed).
        Assert.True(await OtherSlotsWritableAsync(topology, master), "no other master accepted a write");

        // Readiness says so, now and as long as the slot stays unwritable.
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await cluster.ReadyzAsync(0);
            output.WriteLine($"readyz {status}: {body}");
            Assert.Equal(503, status);
            Assert.Matches("hash slots have no reachable master|writes failed on [0-9]+ of [0-9]+ cluster masters", body);
            Assert.DoesNotContain(masterIp, body, StringComparison.Ordinal);
        }

        // Promotion: refreshes work again and readiness recovers.
        await RedisContainers.CliAsync(replica, "config", "set", "cluster-replica-no-failover", "no");
        try
        {
            await RedisContainers.CliAsync(replica, "cluster", "failover", "takeover");
        }
        catch (InvalidOperationException)
        {
            // It promoted itself first (allowed again): the same outcome.
        }

        await Eventually.TrueAsync(async () => await MasterOfAsync(topology, tokenKey) == replica, "the replica serves the token's slot");
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                var current = await cluster.GetTokenAsync(0);
                return (await cluster.ForceRefreshAsync(0, current.Value)).Value != current.Value;
            }
            catch (RpcException)
            {
                return false;
            }
        }, "a refresh works again after the promotion");
        await Eventually.TrueAsync(async () => (await cluster.ReadyzAsync(0)).Status == 200, "the replica is ready again");
        var (after, afterBody) = await cluster.ReadyzAsync(0);
        Assert.Equal(200, after);
        output.WriteLine($"readyz after the promotion {after}: {afterBody}");
    }

    /// <summary>The master of <paramref name="key"/>'s slot, asking again while a loaded machine makes a node look possibly failed.</summary>
    private static async Task<RedisContainer> MasterOfAsync(ClusterTopology topology, string key)
    {
        RedisContainer? master = null;
        await Eventually.TrueAsync(async () => (master = await topology.MasterOfAsync(key)) is not null, "a master serves the key's slot");
        return master!;
    }

    private static async Task<RedisContainer> ReplicaOfAsync(ClusterTopology topology, string masterId)
    {
        var nodes = await RedisContainers.CliAsync(topology.Nodes[0], "cluster", "nodes");
        foreach (var line in nodes.Split('\n'))
        {
            var parts = line.Trim().Split(' ');
            if (parts.Length >= 4 && parts[2].Contains("slave", StringComparison.Ordinal) && parts[3] == masterId.Trim())
            {
                var ip = parts[1].Split(':')[0];
                return topology.Nodes.Single(n => n.IpAddress == ip);
            }
        }

        throw new InvalidOperationException($"no replica of {masterId}");
    }

    /// <summary>Whether keys in slots served by a master other than <paramref name="stopped"/> accept writes.</summary>
    private static async Task<bool> OtherSlotsWritableAsync(ClusterTopology topology, RedisContainer stopped)
    {
        var live = topology.Nodes.First(n => n != stopped);
        for (var i = 0; i < 20; i++)
        {
            // redis-cli -c follows MOVED: the write lands on whichever master serves the key's slot.
            var result = await live.ExecAsync(["/usr/bin/redis-cli", "-c", "set", $"readiness-test:{{{i}}}", "1"]);
            if (result.ExitCode == 0 && result.Stdout.Trim() == "OK")
            {
                return true;
            }
        }

        return false;
    }
}
