using System.Runtime.CompilerServices;

namespace TokenServer.Redis.Tests.Infrastructure;

internal static class ThreadPoolWarmup
{
    /// <summary>
    /// The server raises the minimum when Redis is used (Hosting/ThreadPoolMinimum.cs: RedLock.net
    /// extends held locks with synchronous calls from a timer); tests that build locks without the
    /// host need the same, or a held lease is not extended in time on a 2-core runner.
    /// </summary>
    [ModuleInitializer]
    internal static void RaiseMinimumThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, TokenCenter.Server.Hosting.ThreadPoolMinimum.Threads), Math.Max(io, TokenCenter.Server.Hosting.ThreadPoolMinimum.Threads));
    }
}
