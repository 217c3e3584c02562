using System.Collections.Concurrent;

namespace TokenCenter.Server.Upstream;

/// <summary>Counts upstream token calls (every HTTP attempt, retries included) per app per UTC day.</summary>
public sealed class UpstreamCallCounter(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DayCount> _counts = new(StringComparer.Ordinal);

    public void Record(string appId)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        _counts.AddOrUpdate(appId, static (_, d) => new DayCount(d, 1), static (_, c, d) => c.Day == d ? c with { Count = c.Count + 1 } : new DayCount(d, 1), today);
    }

    public int Today(string appId)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return _counts.TryGetValue(appId, out var c) && c.Day == today ? c.Count : 0;
    }

    private sealed record DayCount(DateOnly Day, int Count);
}
