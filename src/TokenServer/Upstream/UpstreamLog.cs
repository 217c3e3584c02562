using Microsoft.Extensions.Logging;

namespace TokenCenter.Server.Upstream;

/// <summary>Log messages of the WeChat clients. Never a secret, never a token value (fingerprints only), never a URL.</summary>
internal static partial class UpstreamLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "WeChat issued a token for {AppId} via {Endpoint} (fingerprint {Fingerprint}, expires_in {ExpiresIn})")]
    public static partial void TokenIssued(ILogger logger, string appId, string endpoint, string fingerprint, TimeSpan expiresIn);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "WeChat {Endpoint} for {AppId} answered errcode {ErrCode}: {ErrMsg}")]
    public static partial void ErrorAnswered(ILogger logger, string endpoint, string appId, int errCode, string errMsg);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Retrying WeChat {Endpoint} for {AppId} (attempt {Attempt}) in {Delay} after: {Reason}")]
    public static partial void Retrying(ILogger logger, string endpoint, string appId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "WeChat {Endpoint} for {AppId} failed: {Reason}")]
    public static partial void NoAnswer(ILogger logger, string endpoint, string appId, string reason);
}
