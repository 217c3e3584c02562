using Microsoft.Extensions.Logging;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Platform;

/// <summary>Log messages of the third-party platform. Tickets, tokens, refresh tokens and keys appear only as fingerprints.</summary>
internal static partial class PlatformLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Callback for {ComponentAppId} refused ({Status}): {Reason}")]
    public static partial void CallbackRefused(ILogger logger, string componentAppId, int status, string reason);

    [LoggerMessage(EventId = 4018, Level = LogLevel.Information, Message = "Callback for {ComponentAppId} delivered again after it was handled: acknowledged, not handled again")]
    public static partial void CallbackAlreadyHandled(ILogger logger, string componentAppId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Stored component_verify_ticket of {ComponentAppId} (fingerprint {Fingerprint}, created {CreatedAt:o})")]
    public static partial void TicketStored(ILogger logger, string componentAppId, string fingerprint, DateTimeOffset createdAt);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Callback event {InfoType} for {ComponentAppId}, authorizer {AuthorizerAppId}")]
    public static partial void EventReceived(ILogger logger, string infoType, string componentAppId, string authorizerAppId);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Could not handle {InfoType} of {ComponentAppId} for {AuthorizerAppId}: {Reason}")]
    public static partial void EventFailed(ILogger logger, string infoType, string componentAppId, string authorizerAppId, string reason);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "No usable component_verify_ticket for {ComponentAppId}; requested a push (api_start_push_ticket errcode {ErrCode})")]
    public static partial void PushRequested(ILogger logger, string componentAppId, int errCode);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Authorizer {Key} needs re-authorization (61023); its token is no longer refreshed")]
    public static partial void NeedsReauthorization(ILogger logger, TokenSlotKey key);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "Authorizer {Key} stored (token fingerprint {Fingerprint}, refresh token fingerprint {RefreshFingerprint})")]
    public static partial void AuthorizerStored(ILogger logger, TokenSlotKey key, string fingerprint, string refreshFingerprint);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Authorizer {Key} removed (unauthorized)")]
    public static partial void AuthorizerRemoved(ILogger logger, TokenSlotKey key);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Error, Message = "Authorizer refresh scheduler pass failed; continuing")]
    public static partial void SchedulerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Scheduled refresh of {Key} failed: {Reason}")]
    public static partial void ScheduledRefreshFailed(ILogger logger, TokenSlotKey key, string reason);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "WeChat {Endpoint} refused the component_access_token of {ComponentAppId} ({ErrCode}, fingerprint {Fingerprint}); refreshing it once and retrying")]
    public static partial void ComponentTokenRejected(ILogger logger, string endpoint, string componentAppId, int errCode, string fingerprint);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "The rotated refresh token of {Key} could not be stored ({Reason}); it is kept (encrypted) in memory and written again")]
    public static partial void RefreshTokenWritePending(ILogger logger, TokenSlotKey key, string reason);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Information, Message = "The rotated refresh token of {Key} held in memory was written back ({Outcome})")]
    public static partial void RefreshTokenReconciled(ILogger logger, TokenSlotKey key, string outcome);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Information, Message = "Schedule rebuilt for {ComponentAppId}: {Checked} authorizers checked, {Added} were missing from the due set")]
    public static partial void ScheduleRebuilt(ILogger logger, string componentAppId, int @checked, int added);

    [LoggerMessage(EventId = 4017, Level = LogLevel.Warning, Message = "The authorization of {Key} was redeemed but could not be stored ({Reason}); it is kept in memory and written again")]
    public static partial void AuthorizationPending(ILogger logger, TokenSlotKey key, string reason);

    [LoggerMessage(EventId = 4019, Level = LogLevel.Information, Message = "Component token of {ComponentAppId} after the ticket arrived: fingerprint {Fingerprint} (attempt {Attempt})")]
    public static partial void TicketTokenObtained(ILogger logger, string componentAppId, string fingerprint, int attempt);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Component token of {ComponentAppId} not obtained after the ticket arrived: {Reason}; the scheduler retries")]
    public static partial void TicketTokenFailed(ILogger logger, string componentAppId, string reason);
}
