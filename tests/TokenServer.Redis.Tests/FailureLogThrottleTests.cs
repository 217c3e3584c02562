using TokenCenter.Server.Storage.Redis;
using WeChatSimulator;

namespace TokenServer.Redis.Tests;

public sealed class FailureLogThrottleTests
{
    [Fact]
    public void Logs_one_failure_per_kind_per_interval_and_counts_the_rest()
    {
        var clock = new ManualClock();
        var throttle = new FailureLogThrottle(clock);

        Assert.True(throttle.ShouldLog("connection", out var first));
        Assert.Equal(0, first);
        for (var i = 0; i < 100; i++)
        {
            Assert.False(throttle.ShouldLog("connection", out _));
        }

        Assert.True(throttle.ShouldLog("timeout", out _)); // another kind is not held back

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(throttle.ShouldLog("connection", out var suppressed));
        Assert.Equal(100, suppressed);
    }
}
