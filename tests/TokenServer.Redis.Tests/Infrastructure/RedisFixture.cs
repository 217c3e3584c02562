namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// The one entry point for a Redis in a test.
/// <list type="bullet">
/// <item><see cref="StartAsync"/>: a Redis for a test that needs no faults: the one named by <c>REDIS_URL</c> when set,
/// else a container (Testcontainers, image from <c>.ci/redis-image.sh</c>).</item>
/// <item><see cref="StartSentinelAsync"/>, <see cref="StartClusterAsync"/>: Sentinel and Cluster topologies in containers.</item>
/// <item><see cref="StartKillableAsync()"/>: a redis-server process on a Unix socket behind a loopback forwarder, for the
/// tests that kill Redis and start it again behind the same address, or send it raw commands (REPLICAOF, CONFIG SET). Not
/// a container there: a restarted container gets a new published port (the clients' address would change) and a
/// kill + start costs seconds where a process costs milliseconds; the forwarder keeps one address across restarts
/// without ever picking a port to bind later.</item>
/// </list>
/// Tests isolate their keys with <see cref="TestStores.UniquePrefix"/>.
/// </summary>
internal static class RedisFixture
{
    /// <summary>A Redis that stays up for the test (REDIS_URL, else a container).</summary>
    public static async Task<TestRedis> StartAsync()
    {
        var url = Environment.GetEnvironmentVariable("REDIS_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            return new TestRedis(RedisUrl.ToConfiguration(url), "REDIS_URL", null);
        }

        var container = await RedisContainers.StartSingleAsync();
        return new TestRedis(container.GetConnectionString() + "," + RedisContainers.ClientSettings, "container", container);
    }

    /// <summary>A Sentinel-managed primary with one replica and three sentinels, in containers.</summary>
    public static Task<SentinelTopology> StartSentinelAsync() => SentinelTopology.StartAsync();

    /// <summary>A Redis Cluster of 3 masters and 3 replicas, in containers.</summary>
    public static Task<ClusterTopology> StartClusterAsync() => ClusterTopology.StartAsync();

    /// <summary>A redis-server process that a test may kill and start again behind the same address.</summary>
    public static Task<RedisServer> StartKillableAsync() => RedisServer.LaunchAsync();

    /// <summary><paramref name="count"/> independent killable servers (e.g. Redlock masters).</summary>
    public static async Task<RedisServer[]> StartKillableAsync(int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => RedisServer.LaunchAsync()));
}

/// <summary>A Redis from <see cref="RedisFixture.StartAsync"/>: its client configuration, and where it came from.</summary>
public sealed class TestRedis : IAsyncDisposable
{
    private readonly IAsyncDisposable? _owned;

    internal TestRedis(string configuration, string source, IAsyncDisposable? owned)
    {
        Configuration = configuration;
        Source = source;
        _owned = owned;
    }

    /// <summary>A StackExchange.Redis configuration string.</summary>
    public string Configuration { get; }

    /// <summary>"REDIS_URL" or "container".</summary>
    public string Source { get; }

    public ValueTask DisposeAsync() => _owned?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>REDIS_URL (<c>redis://[:password@]host:port</c>, <c>rediss://…</c>, or a StackExchange.Redis configuration string).</summary>
internal static class RedisUrl
{
    public static string ToConfiguration(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            return url;
        }

        var configuration = $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)},connectTimeout=2000";
        var password = uri.UserInfo.Contains(':', StringComparison.Ordinal) ? uri.UserInfo[(uri.UserInfo.IndexOf(':', StringComparison.Ordinal) + 1)..] : uri.UserInfo;
        if (password.Length > 0)
        {
            configuration += ",password=" + Uri.UnescapeDataString(password);
        }

        return uri.Scheme == "rediss" ? configuration + ",ssl=true" : configuration;
    }
}
