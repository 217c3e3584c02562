using Microsoft.Extensions.Logging;

namespace WeChatSimulator.Internal;

/// <summary>Log messages of the simulator's control surface. Token values and secrets are never logged.</summary>
internal static partial class SimulatorLog
{
    public const string Category = "WeChatSimulator";

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Faults changed: latency {Latency}, busy share {BusyShare}, reject ip {RejectIp}, quota-exhausted apps {ExhaustedApps}, per-app errors {AppErrors}")]
    public static partial void FaultsChanged(ILogger logger, TimeSpan latency, double busyShare, bool rejectIp, int exhaustedApps, int appErrors);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Manual clock advanced by {Delta} to {Now}")]
    public static partial void ClockAdvanced(ILogger logger, TimeSpan delta, DateTimeOffset now);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "App {AppId} added (test account: {IsTestAccount})")]
    public static partial void AppAdded(ILogger logger, string appId, bool isTestAccount);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Counters reset")]
    public static partial void CountersReset(ILogger logger);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Pushed {InfoType} of component {ComponentAppId} to {CallbackUrl}: HTTP {StatusCode}")]
    public static partial void PushDelivered(ILogger logger, string infoType, string componentAppId, Uri callbackUrl, int statusCode);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "The callback {CallbackUrl} of component {ComponentAppId} answered {InfoType} with HTTP {StatusCode}, not 'success'")]
    public static partial void PushNotAcknowledged(ILogger logger, string infoType, string componentAppId, Uri callbackUrl, int statusCode);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Pushing {InfoType} of component {ComponentAppId} to {CallbackUrl} failed")]
    public static partial void PushFailed(ILogger logger, Exception exception, string infoType, string componentAppId, Uri callbackUrl);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Periodic component_verify_ticket push started every {Interval} of simulated time")]
    public static partial void PeriodicPushStarted(ILogger logger, TimeSpan interval);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "A scheduled push of component {ComponentAppId} failed; the next one comes on schedule")]
    public static partial void ScheduledPushFailed(ILogger logger, Exception exception, string componentAppId);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Component {ComponentAppId}: {Action} {AuthorizerAppId} through /_sim")]
    public static partial void AuthorizationChanged(ILogger logger, string componentAppId, string action, string authorizerAppId);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Component {ComponentAppId} added or changed (callback {CallbackUrl})")]
    public static partial void ComponentChanged(ILogger logger, string componentAppId, Uri? callbackUrl);
}
