using System.Collections.Concurrent;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// Lets at most one log entry per kind of failure through per <see cref="Interval"/>, counting the
/// ones it held back, so that a Redis outage does not flood the log with one warning per request.
/// </summary>
internal sealed class FailureLogThrottle(TimeProvider timeProvider, TimeSpan interval)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    public FailureLogThrottle(TimeProvider timeProvider)
        : this(timeProvider, TimeSpan.FromSeconds(30))
    {
    }

    public TimeSpan Interval => interval;

    /// <summary>
    /// Whether a failure of <paramref name="kind"/> may be logged now; <paramref name="suppressed"/>
    /// tells how many were held back since the last one logged.
    /// </summary>
    public bool ShouldLog(string kind, out int suppressed)
    {
        var now = timeProvider.GetUtcNow();
        var window = _windows.GetOrAdd(kind, _ => new Window());
        lock (window)
        {
            if (window.LastLogged is { } last && now - last < interval)
            {
                window.Suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = window.Suppressed;
            window.Suppressed = 0;
            window.LastLogged = now;
            return true;
        }
    }

    private sealed class Window
    {
        public DateTimeOffset? LastLogged { get; set; }

        public int Suppressed { get; set; }
    }
}
