namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// The Redis shared by the tests of <see cref="SharedRedisCollection"/> (they need no faults): <see cref="RedisFixture.StartAsync"/>
/// (REDIS_URL, else a container). Tests isolate themselves with a unique key prefix.
/// </summary>
public sealed class SharedRedisFixture : IAsyncLifetime
{
    private TestRedis? _redis;

    /// <summary>Where the Redis came from: "REDIS_URL" or "container".</summary>
    public string Source => _redis?.Source ?? string.Empty;

    public string Configuration => _redis?.Configuration ?? string.Empty;

    public async Task InitializeAsync() => _redis = await RedisFixture.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedRedisCollection : ICollectionFixture<SharedRedisFixture>
{
    public const string Name = "shared redis";
}
