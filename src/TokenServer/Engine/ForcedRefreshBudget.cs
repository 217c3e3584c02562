using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;

namespace TokenCenter.Server.Engine;

/// <summary>
/// Limits forced upstream refreshes per key, inside WeChat's own limits on stable_token's force mode
/// (20 a day, 30 s apart): a minimum interval from the end of one forced call to the start of the next,
/// and a budget per day counted like WeChat's (days start at midnight UTC+8). A forced call is recorded
/// right before it is sent and settled when it ends. The usage lives in the <see cref="IForcedRefreshBudgetStore"/>:
/// shared by every replica when Redis is configured.
/// </summary>
public sealed class ForcedRefreshBudget(IOptions<TokenCenterOptions> options, IForcedRefreshBudgetStore store)
{
    /// <summary>WeChat's quota day starts at midnight Beijing time.</summary>
    public static readonly TimeSpan WeChatDayOffset = TimeSpan.FromHours(8);

    private readonly TimeSpan _minInterval = options.Value.Refresh.ForcedMinInterval;
    private readonly int _dailyBudget = options.Value.Refresh.ForcedDailyBudget;

    /// <summary>Whether a forced refresh may run now (nothing recorded); otherwise when it may, and why not.</summary>
    /// <exception cref="TokenStoreUnavailableException">The quota store cannot be reached.</exception>
    internal async Task<ForcedRefreshVerdict> CheckAsync(TokenSlotKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var usage = await store.GetAsync(key, Day(now), cancellationToken).ConfigureAwait(false);
        return Evaluate(usage, now);
    }

    /// <summary>
    /// Records a forced refresh about to reach WeChat, if the quota still allows it (checked and recorded
    /// atomically in the store, so replicas racing for the same budget cannot overrun it).
    /// </summary>
    /// <exception cref="TokenStoreUnavailableException">The quota store cannot be reached.</exception>
    internal async Task<ForcedRefreshVerdict> TryRecordAsync(TokenSlotKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await store.TryRecordAsync(key, Day(now), _minInterval, _dailyBudget, cancellationToken).ConfigureAwait(false))
        {
            return ForcedRefreshVerdict.Allowed;
        }

        var verdict = await CheckAsync(key, now, cancellationToken).ConfigureAwait(false);
        return verdict.IsAllowed ? new ForcedRefreshVerdict(false, _minInterval, $"minimum interval of {_minInterval.TotalSeconds:0.###} s") : verdict;
    }

    /// <summary>
    /// Settles the forced refresh recorded at <paramref name="recordedAt"/> (see <see cref="TryRecordAsync"/>):
    /// the interval runs from <paramref name="endedAt"/>; <paramref name="refund"/> gives the unit of budget back.
    /// </summary>
    /// <exception cref="TokenStoreUnavailableException">The quota store cannot be reached.</exception>
    internal Task SettleAsync(TokenSlotKey key, DateTimeOffset recordedAt, DateTimeOffset endedAt, bool refund, CancellationToken cancellationToken) =>
        store.SettleAsync(key, Day(recordedAt), Day(endedAt), refund, cancellationToken);

    /// <summary>Forced refreshes left today for <paramref name="key"/>.</summary>
    /// <exception cref="TokenStoreUnavailableException">The quota store cannot be reached.</exception>
    internal async Task<int> BudgetLeftAsync(TokenSlotKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var usage = await store.GetAsync(key, Day(now), cancellationToken).ConfigureAwait(false);
        return Math.Max(0, _dailyBudget - usage.Count);
    }

    private ForcedRefreshVerdict Evaluate(ForcedRefreshUsage usage, DateTimeOffset now)
    {
        if (usage.Count >= _dailyBudget)
        {
            return new ForcedRefreshVerdict(false, NextWeChatMidnight(now) - now, $"daily budget of {_dailyBudget} used up");
        }

        if (usage.Last is { } last && now - last < _minInterval)
        {
            return new ForcedRefreshVerdict(false, last + _minInterval - now, $"minimum interval of {_minInterval.TotalSeconds:0.###} s");
        }

        return ForcedRefreshVerdict.Allowed;
    }

    /// <summary>The same instant at WeChat's offset: the stores count days by its calendar date.</summary>
    private static DateTimeOffset Day(DateTimeOffset now) => now.ToOffset(WeChatDayOffset);

    private static DateTimeOffset NextWeChatMidnight(DateTimeOffset now)
    {
        var local = Day(now);
        return new DateTimeOffset(local.Date, WeChatDayOffset).AddDays(1);
    }
}

/// <summary>The forced-refresh budget's answer: allowed, or when to retry and why not.</summary>
internal readonly record struct ForcedRefreshVerdict(bool IsAllowed, TimeSpan RetryAfter, string Reason)
{
    public static ForcedRefreshVerdict Allowed => new(true, TimeSpan.Zero, string.Empty);
}
