using Microsoft.Extensions.Logging;

namespace TokenCenter.Server.Tickets;

/// <summary>Log messages of the JS-SDK tickets. Ticket values are never logged (fingerprints only).</summary>
internal static partial class TicketLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "getticket ({Type}) for {AppId} issued a ticket (fingerprint {Fingerprint}, expires_in {ExpiresIn} s)")]
    public static partial void TicketIssued(ILogger logger, string type, string appId, string fingerprint, int expiresIn);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "The access token of {Key} was force-refreshed; fetching its {Kind} again")]
    public static partial void RefetchAfterForce(ILogger logger, string key, string kind);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Proactive refresh of {Key} failed: {Reason}")]
    public static partial void RefreshFailed(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "getticket ({Type}) rejected the access token of {Key} (errcode {ErrCode}, fingerprint {Fingerprint}); force-refreshing it and retrying once")]
    public static partial void AccessTokenRejected(ILogger logger, string type, string key, int errCode, string fingerprint);
}
