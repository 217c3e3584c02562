using System.Diagnostics;

namespace TokenCenter.Bench.Harness;

/// <summary>
/// An in-process closed-loop load generator: <c>workers</c> tasks each call, wait for the answer, call
/// again, for a fixed time after a warm-up. Reports calls/s and latency percentiles.
/// </summary>
internal static class ClosedLoop
{
    public sealed record Result(double CallsPerSecond, double P50Ms, double P99Ms, long Calls, long Errors, string? FirstError);

    public static async Task<Result> RunAsync(Func<CancellationToken, Task> call, int workers, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<double>[workers];
        long errors = 0;
        string? firstError = null;
        var tasks = Enumerable.Range(0, workers).Select(async w =>
        {
            await Task.Yield();
            var mine = latencies[w] = new List<double>(4096);
            while (!cancellationToken.IsCancellationRequested)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= stopAt)
                {
                    return;
                }

                try
                {
                    await call(cancellationToken);
                    if (t0 >= measureFrom)
                    {
                        mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                }
            }
        }).ToArray();
        await Task.WhenAll(tasks);
        cancellationToken.ThrowIfCancellationRequested();
        var all = latencies.SelectMany(l => l).ToArray();
        return new Result(all.Length / duration.TotalSeconds, Stats.Percentile(all, 50), Stats.Percentile(all, 99), all.Length, errors, firstError);
    }
}
