using System.Diagnostics;
using WeChatSimulator;

namespace TokenClient.Tests.Infrastructure;

/// <summary>Bounded waits: poll a condition (optionally moving a fake clock a little each round) until it holds or the bound passes.</summary>
public static class Eventually
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    public static Task HoldsAsync(Func<bool> condition, string what, ManualClock? pump = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, pump);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, ManualClock? pump = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > Bound)
            {
                throw new TimeoutException($"Still not true after {Bound.TotalSeconds} s: {what}");
            }

            // Reconnect backoff runs on the fake clock: move it a little (tokens live for hours).
            pump?.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(20);
        }
    }
}
