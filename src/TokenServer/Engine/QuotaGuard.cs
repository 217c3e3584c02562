using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;

namespace TokenCenter.Server.Engine;

/// <summary>
/// Limits forced upstream refreshes per key: a minimum interval between two, and a budget per UTC day,
/// so that a client looping ForceRefresh cannot burn WeChat's daily quota.
/// </summary>
internal sealed class QuotaGuard(IOptions<TokenCenterOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TokenSlotKey, Usage> _usage = [];
    private readonly TimeSpan _minInterval = options.Value.Refresh.ForcedMinInterval;
    private readonly int _dailyBudget = options.Value.Refresh.ForcedDailyBudget;

    /// <summary>Whether a forced refresh may run now; otherwise when it may, and why not.</summary>
    public bool TryAllow(TokenSlotKey key, DateTimeOffset now, out TimeSpan retryAfter, out string reason)
    {
        lock (_gate)
        {
            var usage = Current(key, now);
            if (usage.Count >= _dailyBudget)
            {
                retryAfter = NextUtcMidnight(now) - now;
                reason = $"daily budget of {_dailyBudget} used up";
                return false;
            }

            if (usage.Last is { } last && now - last < _minInterval)
            {
                retryAfter = last + _minInterval - now;
                reason = $"minimum interval of {_minInterval.TotalSeconds:0.###} s";
                return false;
            }

            retryAfter = TimeSpan.Zero;
            reason = string.Empty;
            return true;
        }
    }

    /// <summary>Records a forced refresh that reached WeChat.</summary>
    public void Record(TokenSlotKey key, DateTimeOffset now)
    {
        lock (_gate)
        {
            var usage = Current(key, now);
            _usage[key] = usage with { Count = usage.Count + 1, Last = now };
        }
    }

    /// <summary>Forced refreshes left today for <paramref name="key"/>.</summary>
    public int BudgetLeft(TokenSlotKey key, DateTimeOffset now)
    {
        lock (_gate)
        {
            return Math.Max(0, _dailyBudget - Current(key, now).Count);
        }
    }

    private Usage Current(TokenSlotKey key, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return _usage.TryGetValue(key, out var u) && u.Day == today ? u : new Usage(today, 0, u?.Last);
    }

    private static DateTimeOffset NextUtcMidnight(DateTimeOffset now) =>
        new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);

    private sealed record Usage(DateOnly Day, int Count, DateTimeOffset? Last);
}
