using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Storage.Redis.Platform;

/// <summary>
/// What the Redis platform stores share: the connection, the key layout, the per-call timeout and the
/// rate-limited warning (one per 30 s per kind of failure, like the token store). Every Redis failure
/// surfaces as <see cref="TokenStoreUnavailableException"/>.
/// </summary>
internal sealed class RedisPlatformCommands
{
    private readonly RedisConnection _connection;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly FailureLogThrottle _throttle = new(TimeProvider.System); // log volume is a wall-clock matter

    public RedisPlatformCommands(RedisConnection connection, IOptions<RedisOptions> options, ILogger<RedisPlatformCommands> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection;
        _timeout = options.Value.OperationTimeout;
        _logger = logger;
        Keys = new RedisPlatformKeys(options.Value.KeyPrefix);
    }

    public RedisPlatformKeys Keys { get; }

    public RedisConnection Connection => _connection;

    public TimeSpan Timeout => _timeout;

    /// <summary>Runs one Redis operation within the operation timeout.</summary>
    /// <exception cref="TokenStoreUnavailableException">Redis failed or did not answer in time.</exception>
    public async Task<T> RunAsync<T>(string operation, Func<IDatabase, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await _connection.RunAsync(operation, action, _timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            LogUnavailable(ex);
            throw;
        }
    }

    public void LogUnavailable(TokenStoreUnavailableException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var kind = "platform:" + (exception.InnerException?.GetType().Name ?? nameof(TokenStoreUnavailableException));
        if (_throttle.ShouldLog(kind, out var suppressed))
        {
            RedisLog.StoreUnavailable(_logger, exception.Message, suppressed);
        }
    }
}
