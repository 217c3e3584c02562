namespace TokenCenter.Server.Engine;

/// <summary>
/// Where the quota guard keeps the forced refreshes that reached WeChat: in memory for one replica,
/// in Redis when several replicas share one budget. Days are UTC days of the injected clock.
/// </summary>
public interface IRefreshQuotaStore
{
    /// <summary>Forced refreshes of <paramref name="key"/> recorded on the UTC day of <paramref name="now"/>, and the last one.</summary>
    /// <exception cref="TokenStoreUnavailableException">The store cannot be reached.</exception>
    Task<RefreshQuotaUsage> GetAsync(TokenSlotKey key, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically: when fewer than <paramref name="dailyBudget"/> forced refreshes of <paramref name="key"/>
    /// were recorded on the UTC day of <paramref name="now"/> and the last one lies at least
    /// <paramref name="minInterval"/> before <paramref name="now"/>, records one at <paramref name="now"/>
    /// and returns true; otherwise records nothing and returns false.
    /// </summary>
    /// <exception cref="TokenStoreUnavailableException">The store cannot be reached.</exception>
    Task<bool> TryRecordAsync(TokenSlotKey key, DateTimeOffset now, TimeSpan minInterval, int dailyBudget, CancellationToken cancellationToken);
}

/// <summary>Forced refreshes of one key on one UTC day, and the time of the last one (any day).</summary>
public readonly record struct RefreshQuotaUsage(int Count, DateTimeOffset? Last);
