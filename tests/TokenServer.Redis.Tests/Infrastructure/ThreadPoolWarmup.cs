using System.Runtime.CompilerServices;

namespace TokenServer.Redis.Tests.Infrastructure;

internal static class ThreadPoolWarmup
{
    /// <summary>
    /// StackExchange.Redis 1.x completes its work on pool threads; on a 2-core CI runner, xunit's
    /// parallel classes plus the multiplexers' own loops can otherwise wait for the pool to grow
    /// (about one thread per second), which shows up as spurious first-call timeouts.
    /// </summary>
    [ModuleInitializer]
    internal static void RaiseMinimumThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
