namespace TokenCenter.Server.Hosting;

/// <summary>
/// Raises the thread-pool minimum when Redis is used. StackExchange.Redis 2.x alone does not need it
/// (the Redis suite ran green with the default minimum), but RedLock.net extends a held lock from a
/// timer with synchronous calls (<c>Parallel.ForEach</c> over the masters, blocking <c>ScriptEvaluate</c>):
/// on a 2-core machine (minimum 2) those calls occupy the pool threads their own completions need,
/// and the pool grows about one thread per 0.5–1 s. Measured: a 600 ms lease was never extended
/// (the first extension took ≈ 900 ms and RedLock.net reported it Expired) with the default minimum,
/// and extended every 300 ms with this one. 32 worker and 32 I/O threads; threads above the minimum
/// are still created on demand; idle ones cost little.
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
