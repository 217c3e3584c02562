using Google.Protobuf.WellKnownTypes;
using TokenCenter.Server.Engine;
using TokenCenter.V1;

namespace TokenCenter.Server.Operations;

/// <summary>
/// The audit trail of forced refreshes: who forced which key, when, and with what outcome. The last
/// <see cref="Capacity"/> are kept in memory for GetStatus and the status page; each one is logged.
/// Answers the question operators ask most: which service keeps forcing refreshes?
/// </summary>
public sealed partial class ForcedRefreshAudit(TimeProvider time, ILogger<ForcedRefreshAudit> logger)
{
    /// <summary>How many records are kept.</summary>
    public const int Capacity = 100;

    /// <summary>Outcome: a new token resulted.</summary>
    public const string Rotated = "rotated";

    /// <summary>Outcome: the current token was answered (the stale value was not current, or WeChat still accepts it).</summary>
    public const string AnsweredCurrent = "answered_current";

    /// <summary>Outcome: the forced-refresh budget refused the forced refresh.</summary>
    public const string RefusedByQuota = "refused_by_quota";

    private readonly Lock _gate = new();
    private readonly LinkedList<ForcedRefreshRecord> _recent = new();

    /// <summary>Records the outcome of one forced refresh of <paramref name="key"/> asked by <paramref name="caller"/>.</summary>
    public void Record(string caller, TokenSlotKey key, string outcome, long version)
    {
        var record = new ForcedRefreshRecord
        {
            At = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            Caller = caller,
            Key = key.ToProto(),
            Outcome = outcome,
            Version = version,
        };
        lock (_gate)
        {
            _recent.AddFirst(record);
            if (_recent.Count > Capacity)
            {
                _recent.RemoveLast();
            }
        }

        LogForced(logger, key.ToString(), caller, outcome, version);
    }

    /// <summary>The outcome of a forced refresh that answered <paramref name="answered"/> when <paramref name="heldBefore"/> was held.</summary>
    internal static string OutcomeOf(long heldBefore, Token answered) => answered.Version > heldBefore ? Rotated : AnsweredCurrent;

    /// <summary>The recorded forced refreshes, newest first.</summary>
    public IReadOnlyList<ForcedRefreshRecord> Recent()
    {
        lock (_gate)
        {
            return [.. _recent];
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Forced refresh of {Key} by {Caller}: {Outcome} (version {Version})")]
    private static partial void LogForced(ILogger logger, string key, string caller, string outcome, long version);
}
