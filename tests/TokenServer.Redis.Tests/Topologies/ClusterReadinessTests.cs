using TokenCenter.Testing;
using Testcontainers.Redis;
using TokenCenter.Protocol;
using TokenServer.Redis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Server.Storage.Redis;
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
        var (master, replica) = await PinMasterAsync(topology, tokenKey);
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
        // ... and stays ready: no check within the next second goes back to 503 (the client's view of the slots has settled).
        for (var i = 0; i < 10; i++)
        {
            var (after, afterBody) = await cluster.ReadyzAsync(0);
            if (after != 200)
            {
                Assert.Fail($"readyz {after} after the promotion (check {i + 1} of 10): {afterBody}\n{await ClientViewAsync(cluster, topology, master, tokenKey)}");
            }

            output.WriteLine($"readyz after the promotion {after}: {afterBody}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The master of <paramref name="key"/>'s slot and its replica, the replica told not to fail over by itself. With the
    /// topology's 1 s node timeout a loaded machine can trigger a failover of its own before that (a node stalled for a
    /// second), and one node's view of who serves the slot can lag behind it: the pair is confirmed by each node's own
    /// view after the flag is set (from then on that master cannot be replaced without the test), else picked again.
    /// </summary>
    private async Task<(RedisContainer Master, RedisContainer Replica)> PinMasterAsync(ClusterTopology topology, string key)
    {
        var slot = int.Parse(await RedisContainers.CliAsync(topology.Nodes[0], "cluster", "keyslot", key), System.Globalization.CultureInfo.InvariantCulture);
        for (var attempt = 1; ; attempt++)
        {
            var master = await MasterOfAsync(topology, key);
            var masterId = (await RedisContainers.CliAsync(master, "cluster", "myid")).Trim();
            var replica = await ReplicaOfAsync(topology, masterId);
            await RedisContainers.CliAsync(replica, "config", "set", "cluster-replica-no-failover", "yes");
            var masterSelf = await OwnLineAsync(master);
            var replicaSelf = await OwnLineAsync(replica);
            if (masterSelf[2].Contains("master", StringComparison.Ordinal) && Serves(masterSelf, slot)
                && replicaSelf[2].Contains("slave", StringComparison.Ordinal) && replicaSelf[3] == masterId)
            {
                return (master, replica);
            }

            output.WriteLine($"attempt {attempt}: the cluster changed while the master of slot {slot} was picked ({string.Join(' ', masterSelf.Take(4))} / {string.Join(' ', replicaSelf.Take(4))}); picking again");
            await RedisContainers.CliAsync(replica, "config", "set", "cluster-replica-no-failover", "no");
            if (attempt == 10)
            {
                throw new InvalidOperationException($"the master of slot {slot} kept changing");
            }
        }
    }

    /// <summary>For a failure message: which master serves each slot range as the replica's Redis client and every live node see it.</summary>
    private static async Task<string> ClientViewAsync(ReplicaCluster cluster, ClusterTopology topology, RedisContainer stopped, string tokenKey)
    {
        var text = new System.Text.StringBuilder();
        var multiplexer = await cluster.Replicas[0]!.Services.GetRequiredService<RedisConnection>().GetAsync();
        text.AppendLine($"client routes the token's slot to {multiplexer.GetServer(tokenKey).EndPoint}");
        foreach (var server in multiplexer.GetServers())
        {
            var masters = server.ClusterConfiguration?.Nodes.Where(n => !n.IsReplica && n.Slots.Count > 0).Select(n => $"{n.EndPoint}[{string.Join(',', n.Slots)}]");
            text.AppendLine($"client: {server.EndPoint} connected={server.IsConnected} replica={server.IsReplica}, its last view: {string.Join(' ', masters ?? [])}");
        }

        foreach (var node in topology.Nodes.Where(n => n != stopped))
        {
            text.AppendLine($"node {node.IpAddress}: {(await RedisContainers.CliAsync(node, "cluster", "nodes")).Replace('\n', '|')}");
        }

        return text.ToString();
    }

    /// <summary>A node's own line of CLUSTER NODES (flags "myself,…"), split on spaces.</summary>
    private static async Task<string[]> OwnLineAsync(RedisContainer node)
    {
        var nodes = await RedisContainers.CliAsync(node, "cluster", "nodes");
        return nodes.Split('\n').Select(l => l.Trim().Split(' ')).First(p => p.Length >= 8 && p[2].Contains("myself", StringComparison.Ordinal));
    }

    private static bool Serves(string[] line, int slot) => line.Skip(8).Any(range =>
    {
        var bounds = range.Split('-');
        return int.TryParse(bounds[0], out var from) && (bounds.Length == 1 ? from == slot : int.TryParse(bounds[1], out var to) && slot >= from && slot <= to);
    });

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
