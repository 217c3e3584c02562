namespace TokenCenter.Server.Engine;

/// <summary>
/// Where the forced-refresh budget keeps the forced refreshes that reached WeChat: in memory for one replica,
/// in Redis when several replicas share one budget. A day is the calendar date of <c>now</c> at its own
/// offset (<see cref="DateTimeOffset.DateTime"/>): the guard passes times at WeChat's UTC+8, so the budget
/// resets when WeChat's does.
/// </summary>
public interface IForcedRefreshBudgetStore
{
    /// <summary>Forced refreshes of <paramref name="key"/> recorded on the day of <paramref name="now"/>, and the last one.</summary>
    /// <exception cref="TokenStoreUnavailableException">The store cannot be reached.</exception>
    Task<ForcedRefreshUsage> GetAsync(TokenSlotKey key, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically: when fewer than <paramref name="dailyBudget"/> forced refreshes of <paramref name="key"/>
    /// were recorded on the day of <paramref name="now"/> and the last one lies at least
    /// <paramref name="minInterval"/> before <paramref name="now"/>, records one at <paramref name="now"/>
    /// and returns true; otherwise records nothing and returns false.
    /// </summary>
    /// <exception cref="TokenStoreUnavailableException">The store cannot be reached.</exception>
    Task<bool> TryRecordAsync(TokenSlotKey key, DateTimeOffset now, TimeSpan minInterval, int dailyBudget, CancellationToken cancellationToken);

    /// <summary>
    /// Settles the forced refresh recorded at <paramref name="recordedAt"/> once its upstream call ended at
    /// <paramref name="endedAt"/>: the last one becomes <paramref name="endedAt"/> (the minimum interval runs
    /// from the end of a call to the start of the next), and with <paramref name="refund"/> the unit of the
    /// day's budget is given back. Does nothing when another refresh was recorded since.
    /// </summary>
    /// <exception cref="TokenStoreUnavailableException">The store cannot be reached.</exception>
    Task SettleAsync(TokenSlotKey key, DateTimeOffset recordedAt, DateTimeOffset endedAt, bool refund, CancellationToken cancellationToken);
}

/// <summary>Forced refreshes of one key on one UTC day, and the time of the last one (any day).</summary>
public readonly record struct ForcedRefreshUsage(int Count, DateTimeOffset? Last);
