namespace TokenCenter.Server.Security;

/// <summary>Log messages of authentication and limits. Never an API key (only the key's configured name).</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Refused {Method} from {Peer}: {Status} {Reason}")]
    public static partial void Refused(ILogger logger, string method, string peer, string status, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Rate limit reached for {Partition} on {Path}")]
    public static partial void RateLimited(ILogger logger, string partition, string path);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Caller authentication is disabled (Auth:Enabled=false): every caller may read every token")]
    public static partial void AuthDisabled(ILogger logger);
}
