namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// The Redis shared by tests that need no faults: the one named by <c>REDIS_URL</c>
/// (<c>redis://host:port</c> or a StackExchange.Redis configuration string) when set; otherwise a
/// Redis container (Testcontainers, image from <c>.ci/redis-image.sh</c>) when Docker is there (CI);
/// otherwise a local redis-server process. Tests isolate themselves with a unique key prefix.
/// </summary>
public sealed class SharedRedisFixture : IAsyncLifetime
{
    private RedisServer? _local;
    private Testcontainers.Redis.RedisContainer? _container;

    /// <summary>Where the Redis came from: "REDIS_URL", "container" or "process".</summary>
    public string Source { get; private set; } = string.Empty;

    public string Configuration { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var url = Environment.GetEnvironmentVariable("REDIS_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            Configuration = FromUrl(url);
            Source = "REDIS_URL";
            return;
        }

        if (RedisContainers.Enabled)
        {
            _container = await RedisContainers.StartSingleAsync();
            Configuration = _container.GetConnectionString() + "," + RedisContainers.ClientSettings;
            Source = "container";
            return;
        }

        _local = await RedisServer.StartAsync();
        Configuration = _local.Configuration;
        Source = "process";
    }

    public async Task DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (_local is not null)
        {
            await _local.DisposeAsync();
        }
    }

    private static string FromUrl(string url)
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

[CollectionDefinition(Name)]
public sealed class SharedRedisCollection : ICollectionFixture<SharedRedisFixture>
{
    public const string Name = "shared redis";
}
