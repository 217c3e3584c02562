using System.Diagnostics;
using System.Globalization;

namespace TokenCenter.Bench.Harness;

/// <summary>The Redis deployments the multi-replica scenarios run on.</summary>
internal enum RedisTopologyKind
{
    /// <summary>One redis-server.</summary>
    Single,

    /// <summary>A primary, one replica and three sentinels (quorum 2); clients name the sentinels and <c>serviceName=</c>.</summary>
    Sentinel,

    /// <summary>A Redis Cluster of 3 masters and 3 replicas (<c>redis-cli --cluster create</c>); clients list every node.</summary>
    Cluster,
}

/// <summary>
/// Throw-away redis-server processes on loopback in one of <see cref="RedisTopologyKind"/>;
/// <see cref="Configuration"/> is what an operator would put in <c>Redis:Configuration</c>.
/// </summary>
internal sealed class RedisTopology : IAsyncDisposable
{
    private const string ServiceName = "tc";
    private readonly List<RedisServer> _servers = [];

    private RedisTopology(RedisTopologyKind kind) => Kind = kind;

    public RedisTopologyKind Kind { get; }

    public string Configuration { get; private set; } = string.Empty;

    /// <summary>A label for result rows.</summary>
    public static string Label(RedisTopologyKind kind) => kind switch
    {
        RedisTopologyKind.Single => "single Redis",
        RedisTopologyKind.Sentinel => "Sentinel (primary + replica, 3 sentinels)",
        _ => "Cluster (3 masters + 3 replicas)",
    };

    public static async Task<RedisTopology> StartAsync(BenchContext context, RedisTopologyKind kind, CancellationToken cancellationToken)
    {
        var topology = new RedisTopology(kind);
        try
        {
            switch (kind)
            {
                case RedisTopologyKind.Single:
                    var single = await topology.AddAsync(RedisServer.StartAsync(context, cancellationToken));
                    topology.Configuration = single.Configuration;
                    break;
                case RedisTopologyKind.Sentinel:
                    await topology.StartSentinelAsync(context, cancellationToken);
                    break;
                default:
                    await topology.StartClusterAsync(context, cancellationToken);
                    break;
            }

            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    private async Task StartSentinelAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var primary = await AddAsync(RedisServer.StartAsync(context, "sentinel-primary", _ => [], cancellationToken));
        var replica = await AddAsync(RedisServer.StartAsync(context, "sentinel-replica", _ => ["--replicaof", "127.0.0.1", Port(primary)], cancellationToken));
        var sentinels = new List<RedisServer>();
        for (var i = 0; i < 3; i++)
        {
            var file = Path.Combine(context.WorkDirectory, $"sentinel-{Guid.NewGuid():N}.conf");
            await File.WriteAllTextAsync(file, string.Join('\n',
                $"sentinel monitor {ServiceName} 127.0.0.1 {Port(primary)} 2",
                $"sentinel down-after-milliseconds {ServiceName} 1000",
                $"sentinel failover-timeout {ServiceName} 5000",
                string.Empty), cancellationToken);
            sentinels.Add(await AddAsync(RedisServer.StartAsync(context, "sentinel", _ => [file, "--sentinel"], cancellationToken, configFirst: true, dataNode: false)));
        }

        await WaitUntilAsync(
            async () => (await CliAsync(primary, "info", "replication")).Contains("connected_slaves:1", StringComparison.Ordinal)
                && (await Task.WhenAll(sentinels.Select(s => CliAsync(s, "sentinel", "replicas", ServiceName)))).All(r => r.Contains(Port(replica), StringComparison.Ordinal)),
            "the replica is in sync and every sentinel knows it", cancellationToken);
        Configuration = string.Join(",", sentinels.Select(s => s.Configuration)) + $",serviceName={ServiceName}";
    }

    private async Task StartClusterAsync(BenchContext context, CancellationToken cancellationToken)
    {
        // On a loaded machine `redis-cli --cluster create` can fail ("nodes don't agree"): start afresh, up to 3 times.
        for (var attempt = 1; ; attempt++)
        {
            var nodes = new List<RedisServer>();
            for (var i = 0; i < 6; i++)
            {
                nodes.Add(await AddAsync(RedisServer.StartAsync(
                    context,
                    "cluster-node",
                    // The bench measures no failover: a node timeout that a stalled machine does not trip.
                    port => ["--cluster-enabled", "yes", "--cluster-config-file", $"nodes-{port}-{Guid.NewGuid():N}.conf", "--cluster-node-timeout", "15000"],
                    cancellationToken,
                    portFits: port => port + 10000 <= 65535)));
            }

            try
            {
                await RunCliAsync(["--cluster", "create", .. nodes.Select(n => n.Configuration), "--cluster-replicas", "1", "--cluster-yes"], cancellationToken);
                await WaitUntilAsync(
                    async () => (await Task.WhenAll(nodes.Select(n => CliAsync(n, "cluster", "info")))).All(info => info.Contains("cluster_state:ok", StringComparison.Ordinal)),
                    "every node reports cluster_state:ok", cancellationToken);
                Configuration = string.Join(",", nodes.Select(n => n.Configuration));
                return;
            }
            catch (Exception ex) when (attempt < 3 && ex is InvalidOperationException or TimeoutException)
            {
                foreach (var node in nodes)
                {
                    _servers.Remove(node);
                    await node.DisposeAsync();
                }
            }
        }
    }

    private async Task<RedisServer> AddAsync(Task<RedisServer> starting)
    {
        var server = await starting;
        _servers.Add(server);
        return server;
    }

    private static string Port(RedisServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    private static Task<string> CliAsync(RedisServer server, params string[] arguments) =>
        RunCliAsync(["-p", Port(server), .. arguments], CancellationToken.None);

    private static async Task<string> RunCliAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            // redis-cli --cluster prints its [ERR] lines on standard output.
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error} {(await output).Trim()}");
        }

        return (await output).Trim();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (InvalidOperationException)
            {
                // not yet
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Redis topology: timed out after 30 s waiting until {what}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
