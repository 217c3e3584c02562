namespace TokenCenter.Server.Observability;

/// <summary>
/// What this replica did over the last 24 hours, by hour: refreshes by trigger, failed refreshes,
/// WeChat error answers and failed lock acquisitions. Fed by <see cref="TokenCenterMetrics"/> (the same
/// events the counters count); read by the status page's chart. 24 small buckets, no per-key data.
/// </summary>
public sealed class RecentActivity(TimeProvider time)
{
    /// <summary>Hours kept.</summary>
    public const int Hours = 24;

    private readonly Lock _gate = new();
    private readonly Bucket[] _buckets = new Bucket[Hours];

    internal void Refreshed(string trigger, bool success) => Add(b =>
    {
        if (!success)
        {
            b.Failures++;
        }
        else if (trigger == "forced")
        {
            b.Forced++;
        }
        else if (trigger == "startup")
        {
            b.Startup++;
        }
        else
        {
            b.Proactive++;
        }
    });

    internal void UpstreamError() => Add(b => b.UpstreamErrors++);

    internal void LockFailed() => Add(b => b.LockFailures++);

    /// <summary>The last <see cref="Hours"/> hours, oldest first (hours without events are zeros).</summary>
    public IReadOnlyList<HourActivity> Snapshot()
    {
        var hour = HourOf(time.GetUtcNow());
        var result = new HourActivity[Hours];
        lock (_gate)
        {
            for (var i = 0; i < Hours; i++)
            {
                var at = hour.AddHours(i - (Hours - 1));
                var b = _buckets[Index(at)];
                result[i] = b is not null && b.Hour == at
                    ? new HourActivity(at, b.Startup, b.Proactive, b.Forced, b.Failures, b.UpstreamErrors, b.LockFailures)
                    : new HourActivity(at, 0, 0, 0, 0, 0, 0);
            }
        }

        return result;
    }

    private void Add(Action<Bucket> change)
    {
        var hour = HourOf(time.GetUtcNow());
        lock (_gate)
        {
            var i = Index(hour);
            if (_buckets[i] is not { } b || b.Hour != hour)
            {
                _buckets[i] = b = new Bucket { Hour = hour };
            }

            change(b);
        }
    }

    private static DateTimeOffset HourOf(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);

    private static int Index(DateTimeOffset hour) => (int)((hour.ToUnixTimeSeconds() / 3600) % Hours);

    private sealed class Bucket
    {
        public DateTimeOffset Hour { get; init; }

        public int Startup { get; set; }

        public int Proactive { get; set; }

        public int Forced { get; set; }

        public int Failures { get; set; }

        public int UpstreamErrors { get; set; }

        public int LockFailures { get; set; }
    }
}

/// <summary>One hour of <see cref="RecentActivity"/>.</summary>
public sealed record HourActivity(DateTimeOffset Hour, int Startup, int Proactive, int Forced, int Failures, int UpstreamErrors, int LockFailures);
