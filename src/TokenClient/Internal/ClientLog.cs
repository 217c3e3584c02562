using Microsoft.Extensions.Logging;
using Grpc.Core;

namespace TokenCenter.Client.Internal;

/// <summary>Log messages of the client. Token values never appear: fingerprints only.</summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "TokenCenter {Method} on {Address} failed with {StatusCode} ({Detail}); trying the next server")]
    public static partial void FailingOver(ILogger logger, string method, Uri address, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Token push stream connected to {Address} for {KeyCount} key(s)")]
    public static partial void StreamConnected(ILogger logger, Uri address, int keyCount);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Token push stream to {Address} lost ({Detail}); falling back to GetToken, reconnecting in {Delay}")]
    public static partial void StreamLost(ILogger logger, Uri address, string detail, TimeSpan delay);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Token {Key} version {Version} ({Fingerprint}) adopted")]
    public static partial void TokenAdopted(ILogger logger, TokenKey key, long version, string fingerprint);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "GetToken for {Key} failed ({Detail}); serving the cached token {Fingerprint} until it expires at {ExpiresAt:O}")]
    public static partial void ServingCached(ILogger logger, TokenKey key, string detail, string fingerprint, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "WeChat rejected token {Fingerprint} of {Key} with errcode {ErrCode}; asking TokenCenter for a new one")]
    public static partial void TokenRejected(ILogger logger, TokenKey key, string fingerprint, int errCode);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "ForceRefresh of {Key} failed ({Detail}); returning WeChat's errcode {ErrCode} to the caller")]
    public static partial void ForceRefreshFailed(ILogger logger, TokenKey key, string detail, int errCode);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Retrying the WeChat call for {Key} once with token {Fingerprint}")]
    public static partial void RetryingWithNewToken(ILogger logger, TokenKey key, string fingerprint);
}
