using System.Globalization;
using System.Text;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// Redis topologies in Docker containers (Testcontainers.Redis 3.10.0; 4.x needs a newer engine than
/// Debian's). The image is built locally by <c>.ci/redis-image.sh</c> (no registry is reachable):
/// <c>TC_REDIS_IMAGE</c> names it (default <c>tokencenter-redis:local</c>). The tests reach the nodes at
/// their container addresses, which is also what Sentinel and Cluster announce, so the client sees the
/// topology an operator's clients would.
/// </summary>
/// <remarks>
/// Each topology has a bridge network of its own (<see cref="NetworkAsync"/>), removed after its nodes. On the
/// shared default bridge a stopped node's address goes back to the pool: another topology started meanwhile (a
/// second run on the same engine, a leftover of a killed one) could be given it, and sentinels or cluster nodes
/// that still know the address would then talk to a stranger (a fourth sentinel in the hello channel, a replica
/// told to follow the wrong primary). Within its own network a topology's addresses can only go to its own nodes.
/// </remarks>
internal static class RedisContainers
{
    public const string ServiceName = "tc";

    /// <summary>The local Redis image.</summary>
    public static string Image => Environment.GetEnvironmentVariable("TC_REDIS_IMAGE") is { Length: > 0 } image ? image : "tokencenter-redis:local";

    /// <summary>Client settings shared by every Redis of the fixtures: short timeouts, fit for tests.</summary>
    public const string ClientSettings = "connectTimeout=1000,syncTimeout=1000,connectRetry=1";

    /// <summary>One Redis server in a container (its port published on the host).</summary>
    public static async Task<RedisContainer> StartSingleAsync(CancellationToken cancellationToken = default)
    {
        Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true"); // the reaper image cannot be pulled
        var container = new RedisBuilder().WithImage(Image).Build();
        try
        {
            await container.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await container.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"Could not start a Redis container from image '{Image}'. Run .ci/redis-image.sh (starts dockerd, builds the image) or set REDIS_URL.", ex);
        }

        return container;
    }

    /// <summary>A bridge network for one topology (a unique name), created.</summary>
    public static async Task<INetwork> NetworkAsync(CancellationToken cancellationToken = default)
    {
        Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        var network = new NetworkBuilder().WithName("tokencenter-test-" + Guid.NewGuid().ToString("N")[..12]).Build();
        await network.CreateAsync(cancellationToken).ConfigureAwait(false);
        return network;
    }

    /// <summary>A Redis data node (or sentinel) on <paramref name="network"/> with <paramref name="arguments"/> after redis-server.</summary>
    public static async Task<RedisContainer> StartNodeAsync(INetwork network, IEnumerable<string> arguments, byte[]? configFile = null, CancellationToken cancellationToken = default)
    {
        Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        var builder = new RedisBuilder().WithImage(Image).WithNetwork(network)
            .WithCommand([.. new[] { "/usr/bin/redis-server" }.Concat(arguments)]);
        if (configFile is not null)
        {
            builder = builder.WithResourceMapping(configFile, "/data/redis.conf");
        }

        var container = builder.Build();
        try
        {
            await container.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await container.DisposeAsync().ConfigureAwait(false); // a created container that did not start is removed too
            throw;
        }

        return container;
    }

    /// <summary>
    /// <paramref name="count"/> nodes started side by side; when one fails to start, the others that did are removed
    /// before the error goes on (no container is left running for later tests).
    /// </summary>
    public static async Task<RedisContainer[]> StartNodesAsync(INetwork network, int count, IEnumerable<string> arguments, byte[]? configFile = null)
    {
        var starts = Enumerable.Range(0, count).Select(_ => StartNodeAsync(network, arguments, configFile)).ToArray();
        try
        {
            return await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            foreach (var start in starts.Where(t => t.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Runs redis-cli inside <paramref name="container"/>; its standard output.</summary>
    public static async Task<string> CliAsync(IContainer container, params string[] arguments)
    {
        var result = await container.ExecAsync([.. new[] { "/usr/bin/redis-cli" }.Concat(arguments)]).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Stderr}");
        }

        return result.Stdout.Trim();
    }

    /// <summary>
    /// <paramref name="condition"/>, reading as false while a node does not answer yet (redis-cli failing, a client's
    /// connection or timeout error), for <see cref="Eventually"/> waits on a topology that is forming or failing over.
    /// </summary>
    public static Func<Task<bool>> Tolerant(Func<Task<bool>> condition) => async () =>
    {
        try
        {
            return await condition().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or RedisException or TimeoutException)
        {
            return false;
        }
    };
}

/// <summary>
/// A Sentinel-managed primary with one replica and three sentinels (quorum 2, down-after 1 s), in
/// containers. <see cref="Configuration"/> is what an operator configures: the sentinels and
/// <c>serviceName=</c>.
/// </summary>
internal sealed class SentinelTopology : IAsyncDisposable
{
    private readonly List<RedisContainer> _all = [];
    private readonly INetwork _network;

    private SentinelTopology(INetwork network) => _network = network;

    public RedisContainer Primary { get; private set; } = null!;

    public RedisContainer Replica { get; private set; } = null!;

    public IReadOnlyList<RedisContainer> Sentinels { get; private set; } = [];

    public string Configuration =>
        string.Join(",", Sentinels.Select(s => s.IpAddress + ":6379")) + $",serviceName={RedisContainers.ServiceName},{RedisContainers.ClientSettings}";

    public static async Task<SentinelTopology> StartAsync()
    {
        var topology = new SentinelTopology(await RedisContainers.NetworkAsync());
        try
        {
            topology.Primary = await RedisContainers.StartNodeAsync(topology._network, ["--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]);
            topology._all.Add(topology.Primary);
            var primaryIp = topology.Primary.IpAddress;
            topology.Replica = await RedisContainers.StartNodeAsync(topology._network, ["--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--replicaof", primaryIp, "6379"]);
            topology._all.Add(topology.Replica);
            var config = Encoding.ASCII.GetBytes(string.Join('\n',
                "port 6379",
                "bind 0.0.0.0",
                "protected-mode no",
                $"sentinel monitor {RedisContainers.ServiceName} {primaryIp} 6379 2",
                $"sentinel down-after-milliseconds {RedisContainers.ServiceName} 1000",
                $"sentinel failover-timeout {RedisContainers.ServiceName} 5000",
                $"sentinel parallel-syncs {RedisContainers.ServiceName} 1",
                string.Empty));
            var sentinels = await RedisContainers.StartNodesAsync(topology._network, 3, ["/data/redis.conf", "--sentinel"], config);
            topology._all.AddRange(sentinels);
            topology.Sentinels = sentinels;
            await Eventually.TrueAsync(
                RedisContainers.Tolerant(async () => (await RedisContainers.CliAsync(topology.Primary, "info", "replication")).Contains("connected_slaves:1", StringComparison.Ordinal)
                    && (await Task.WhenAll(sentinels.Select(s => RedisContainers.CliAsync(s, "sentinel", "replicas", RedisContainers.ServiceName)))).All(r => r.Contains(topology.Replica.IpAddress, StringComparison.Ordinal))
                    && (await Task.WhenAll(sentinels.Select(s => RedisContainers.CliAsync(s, "sentinel", "sentinels", RedisContainers.ServiceName)))).All(r => r.Split('\n').Count(l => l.Trim() == "ip") == 2)),
                "the replica is in sync and every sentinel knows the replica and the other sentinels");
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    /// <summary>The address the sentinels name as primary right now.</summary>
    public async Task<string> PrimaryAddressAsync()
    {
        var reply = await RedisContainers.CliAsync(Sentinels[0], "sentinel", "get-master-addr-by-name", RedisContainers.ServiceName);
        return reply.Split('\n')[0].Trim();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _all)
        {
            await container.DisposeAsync();
        }

        await _network.DisposeAsync();
    }
}

/// <summary>
/// A Redis Cluster of 3 masters and 3 replicas (node timeout 1 s) in containers, created with
/// <c>redis-cli --cluster create</c>. <see cref="Configuration"/> lists every node.
/// </summary>
internal sealed class ClusterTopology : IAsyncDisposable
{
    private readonly INetwork _network;

    private ClusterTopology(INetwork network, RedisContainer[] nodes)
    {
        _network = network;
        Nodes = nodes;
    }

    public IReadOnlyList<RedisContainer> Nodes { get; }

    public string Configuration => string.Join(",", Nodes.Select(n => n.IpAddress + ":6379")) + "," + RedisContainers.ClientSettings;

    public static async Task<ClusterTopology> StartAsync()
    {
        var network = await RedisContainers.NetworkAsync();
        RedisContainer[] nodes;
        try
        {
            nodes = await RedisContainers.StartNodesAsync(network, 6,
                ["--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
                 "--cluster-config-file", "/data/nodes.conf", "--cluster-node-timeout", "1000"]);
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }

        var topology = new ClusterTopology(network, nodes);
        try
        {
            await RedisContainers.CliAsync(nodes[0], [.. new[] { "--cluster", "create" }.Concat(nodes.Select(n => n.IpAddress + ":6379")).Concat(["--cluster-replicas", "1", "--cluster-yes"])]);
            await Eventually.TrueAsync(
                RedisContainers.Tolerant(async () => (await Task.WhenAll(nodes.Select(n => RedisContainers.CliAsync(n, "cluster", "info")))).All(i => i.Contains("cluster_state:ok", StringComparison.Ordinal))),
                "every node reports cluster_state:ok");
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    /// <summary>The container serving <paramref name="key"/>'s slot as master right now.</summary>
    public async Task<RedisContainer> MasterOfAsync(string key)
    {
        var slot = int.Parse(await RedisContainers.CliAsync(Nodes[0], "cluster", "keyslot", key), CultureInfo.InvariantCulture);
        var nodes = await RedisContainers.CliAsync(Nodes[0], "cluster", "nodes");
        foreach (var line in nodes.Split('\n'))
        {
            var parts = line.Trim().Split(' ');
            if (parts.Length < 9 || !parts[2].Contains("master", StringComparison.Ordinal) || parts[2].Contains("fail", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var range in parts.Skip(8))
            {
                var bounds = range.Split('-');
                var from = int.Parse(bounds[0], CultureInfo.InvariantCulture);
                var to = bounds.Length > 1 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : from;
                if (slot >= from && slot <= to)
                {
                    var ip = parts[1].Split(':')[0];
                    return Nodes.Single(n => n.IpAddress == ip);
                }
            }
        }

        throw new InvalidOperationException($"no master serves slot {slot}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await _network.DisposeAsync();
    }
}
