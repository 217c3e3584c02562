using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Storage.Redis;

namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>Builds stores and locks the way DI does, each with its own multiplexer (= one replica).</summary>
internal static class TestStores
{
    public static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static RedisOptions Options(string configuration, string? prefix = null) => new()
    {
        Configuration = configuration,
        KeyPrefix = prefix ?? UniquePrefix(),
        OperationTimeout = TimeSpan.FromSeconds(1),
    };

    public static Replica Store(RedisOptions options, TimeProvider? timeProvider = null)
    {
        var connection = new RedisConnection(options.Configuration!);
        var store = new RedisTokenStore(connection, Microsoft.Extensions.Options.Options.Create(options), timeProvider ?? TimeProvider.System, NullLogger<RedisTokenStore>.Instance);
        return new Replica(connection, store);
    }

    /// <summary>A refresh lock (RedLock.net) over <paramref name="masters"/> with its own connections: one replica.</summary>
    public static RedisRefreshLock Lock(IEnumerable<string> masters, string prefix, Action<RedisOptions>? configure = null)
    {
        var options = new RedisOptions { Configuration = "unused:1", KeyPrefix = prefix, LockRetryDelay = TimeSpan.FromMilliseconds(20) };
        configure?.Invoke(options);
        var connections = masters.Select(m => new RedisConnection(m)).ToArray();
        return new RedisRefreshLock(connections, connections, options, NullLoggerFactory.Instance);
    }
}

/// <summary>A store with its own connection, disposed together.</summary>
internal sealed record Replica(RedisConnection Connection, RedisTokenStore Store) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
