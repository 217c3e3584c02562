namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// The Redis shared by tests that need no faults: the one named by <c>REDIS_URL</c>
/// (<c>redis://host:port</c> or a StackExchange.Redis configuration string) when set, otherwise a
/// local redis-server started for the test run. Tests isolate themselves with a unique key prefix.
/// </summary>
public sealed class SharedRedisFixture : IAsyncLifetime
{
    private RedisServer? _local;

    public string Configuration { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var url = Environment.GetEnvironmentVariable("REDIS_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            Configuration = FromUrl(url);
            return;
        }

        _local = await RedisServer.StartAsync();
        Configuration = _local.Configuration;
    }

    public async Task DisposeAsync()
    {
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
