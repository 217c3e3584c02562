using WeChatSimulator;

namespace TokenCenter.Bench.Harness;

/// <summary>
/// N in-process TokenServer replicas over one external WeChat simulator. One replica uses the embedded
/// in-memory store; more than one share a throw-away Redis (<c>Redis:Configuration</c>) — only when
/// <see cref="Capabilities.RedisUnavailableReason"/> is null.
/// </summary>
internal sealed class Replicas : IAsyncDisposable
{
    private readonly RedisTopology? _redis;

    private Replicas(IReadOnlyList<TestServerHost> servers, RedisTopology? redis)
    {
        Servers = servers;
        _redis = redis;
    }

    public IReadOnlyList<TestServerHost> Servers { get; }

    public static Task<Replicas> StartAsync(BenchContext context, int count, SimulatorHost simulator, IEnumerable<KeyValuePair<string, string?>> configuration, CancellationToken cancellationToken) =>
        StartAsync(context, count, simulator, configuration, RedisTopologyKind.Single, cancellationToken);

    /// <summary>As above; more than one replica share a Redis deployed as <paramref name="topology"/>.</summary>
    public static async Task<Replicas> StartAsync(BenchContext context, int count, SimulatorHost simulator, IEnumerable<KeyValuePair<string, string?>> configuration, RedisTopologyKind topology, CancellationToken cancellationToken)
    {
        RedisTopology? redis = null;
        var config = new List<KeyValuePair<string, string?>>(configuration)
        {
            new("TokenCenter:Upstream:BaseUrl", simulator.BaseAddress.ToString()),
        };
        if (count > 1)
        {
            // As the server does when Redis is used (RedLock.net's synchronous lock extension).
            ThreadPool.GetMinThreads(out var workers, out var io);
            ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
            redis = await RedisTopology.StartAsync(context, topology, cancellationToken);
            config.Add(new("Redis:Configuration", redis.Configuration));
        }

        var servers = new List<TestServerHost>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                servers.Add(await BenchServer.StartAsync(context, config, simulator.Sim.Time, cancellationToken));
            }
        }
        catch
        {
            foreach (var s in servers)
            {
                await s.DisposeAsync();
            }

            if (redis is not null)
            {
                await redis.DisposeAsync();
            }

            throw;
        }

        return new Replicas(servers, redis);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in Servers)
        {
            await s.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
