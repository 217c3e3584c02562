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
}
