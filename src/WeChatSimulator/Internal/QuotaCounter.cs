namespace WeChatSimulator.Internal;

/// <summary>
/// A fixed-window counter (per day or per minute). Not thread-safe: used under the owning app's lock.
/// </summary>
internal sealed class QuotaCounter(Func<DateTimeOffset, long> windowOf)
{
    private long _window = long.MinValue;
    private int _count;

    /// <summary>Day windows start at midnight of the zone <paramref name="offset"/> ahead of UTC (WeChat: UTC+8).</summary>
    public static QuotaCounter Daily(TimeSpan offset) =>
        new(now => (now.UtcTicks + offset.Ticks) / TimeSpan.TicksPerDay);

    /// <summary>Minute windows aligned on whole UTC minutes ("retry next minute").</summary>
    public static QuotaCounter PerMinute() => new(now => now.UtcTicks / TimeSpan.TicksPerMinute);

    /// <summary>Counts one use if fewer than <paramref name="limit"/> were counted in the current window.</summary>
    public bool TryTake(DateTimeOffset now, int limit)
    {
        Roll(now);
        if (_count >= limit)
        {
            return false;
        }

        _count++;
        return true;
    }

    /// <summary>Whether another use would fit, without counting one.</summary>
    public bool HasRoom(DateTimeOffset now, int limit)
    {
        Roll(now);
        return _count < limit;
    }

    public int Used(DateTimeOffset now)
    {
        Roll(now);
        return _count;
    }

    private void Roll(DateTimeOffset now)
    {
        var window = windowOf(now);
        if (window != _window)
        {
            _window = window;
            _count = 0;
        }
    }
}
