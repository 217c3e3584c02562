using Microsoft.Extensions.Logging;

namespace TokenCenter.Server.Engine;

/// <summary>Log messages of the token engine. Token values appear only as fingerprints.</summary>
internal static partial class EngineLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Stored a new token for {Key}: version {Version}, fingerprint {Fingerprint}, expires {ExpiresAt:o} ({Trigger})")]
    public static partial void TokenStored(ILogger logger, TokenSlotKey key, long version, string fingerprint, DateTimeOffset expiresAt, string trigger);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Adopted token version {Version} of {Key} from the store (fingerprint {Fingerprint})")]
    public static partial void TokenAdopted(ILogger logger, TokenSlotKey key, long version, string fingerprint);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Refresh of {Key} ({Trigger}) failed: {Reason}")]
    public static partial void RefreshFailed(ILogger logger, TokenSlotKey key, string trigger, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Store refused version {Version} of {Key}: a newer token was stored meanwhile")]
    public static partial void WriteLostRace(ILogger logger, TokenSlotKey key, long version);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Could not store the new token of {Key} (version {Version}); serving it from memory")]
    public static partial void WriteFailed(ILogger logger, TokenSlotKey key, long version, Exception exception);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "WeChat answered the held token of {Key} again (fingerprint {Fingerprint}); trying later")]
    public static partial void SameTokenAnswered(ILogger logger, TokenSlotKey key, string fingerprint);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Forced refresh of {Key} refused by the forced-refresh budget ({Reason}); retry after {RetryAfter}")]
    public static partial void ForcedRefreshRefused(ILogger logger, TokenSlotKey key, string reason, TimeSpan retryAfter);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Could not read {Key} from the store")]
    public static partial void StoreReadFailed(ILogger logger, TokenSlotKey key, Exception exception);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Debug, Message = "Next proactive refresh of {Key} at {DueAt:o}")]
    public static partial void RefreshScheduled(ILogger logger, TokenSlotKey key, DateTimeOffset dueAt);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "Proactive refresh loop of {Key} failed unexpectedly; continuing")]
    public static partial void LoopFailed(ILogger logger, TokenSlotKey key, Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Wrote the held token of {Key} back to the store: version {Version}, fingerprint {Fingerprint}")]
    public static partial void TokenWrittenBack(ILogger logger, TokenSlotKey key, long version, string fingerprint);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Could not reconcile {Key} with the store: {Reason}")]
    public static partial void ReconcileFailed(ILogger logger, TokenSlotKey key, string reason);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "Lost the refresh lock of {Key} ({Stage}): its lease lapsed or could not be extended; the token is not written (another replica may hold the lock)")]
    public static partial void LeaseLost(ILogger logger, TokenSlotKey key, string stage);
}
