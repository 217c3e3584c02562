namespace TokenCenter.Server.Hosting;

/// <summary>
/// Raises the thread-pool minimum when Redis is used. StackExchange.Redis 1.2.6 (the only version
/// that restores here) completes its work on pool threads; on a small machine (2 cores: minimum 2)
/// a burst of calls waits for the pool to grow (about one thread per 0.5–1 s), and first lock
/// requests (50 ms) and store calls time out. The library's timeout guide advises raising the
/// minimum; 32 worker and 32 I/O threads cover a replica's multiplexers, Redlock masters and request
/// bursts. Threads above the minimum are still created on demand; idle ones cost little.
/// </summary>
internal static class ThreadPoolMinimum
{
    /// <summary>The minimum of worker and of I/O completion threads set at start (kept if already higher).</summary>
    public const int Threads = 32;

    /// <summary>Raises the minimum to <see cref="Threads"/> (never lowers it). Idempotent.</summary>
    public static void Raise()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < Threads || io < Threads)
        {
            ThreadPool.SetMinThreads(Math.Max(workers, Threads), Math.Max(io, Threads));
        }
    }
}
