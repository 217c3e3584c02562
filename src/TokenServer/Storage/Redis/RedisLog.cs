using Microsoft.Extensions.Logging;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>Log messages of the Redis store and lock. Token values and passwords are never logged.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Redis token store on {Endpoint} (key prefix '{Prefix}').")]
    public static partial void StoreCreated(ILogger logger, string endpoint, string prefix);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Redis store unavailable: {Reason} ({Suppressed} similar failures not logged).")]
    public static partial void StoreUnavailable(ILogger logger, string reason, int suppressed);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "A TokenChanged handler failed for {Key}.")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Ignored a malformed message on the Redis events channel.")]
    public static partial void MalformedEvent(ILogger logger);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Version check found {Key} at version {Version}, newer than announced; a pub/sub message was missed.")]
    public static partial void MissedEvent(ILogger logger, string key, long version);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Redis store answers again; reconciling held tokens with it.")]
    public static partial void StoreAvailableAgain(ILogger logger);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "The stored token of {Key} is gone or older than announced (flushed or restarted Redis?); reconciling.")]
    public static partial void TokenGone(ILogger logger, string key);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Refresh lock (RedLock.net) over {Count} master(s): {Endpoints}; quorum {Quorum}.")]
    public static partial void LockCreated(ILogger logger, int count, string endpoints, int quorum);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "The refresh lock runs on the token store's single Redis master ({Endpoint}), which is not failover-safe: a failover can lose a held lock, and two replicas may then both call WeChat. For failover safety list 3 or 5 independent masters in Redis:LockEndpoints.")]
    public static partial void SingleLockMaster(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Redis:LockEndpoints lists {Count} master(s); use an odd number of at least 3 (3 or 5) so that losing one keeps a quorum.")]
    public static partial void LockMastersNotOdd(ILogger logger, int count);
}
