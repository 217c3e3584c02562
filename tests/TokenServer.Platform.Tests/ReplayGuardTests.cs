using WeChatSimulator;
using TokenCenter.Server.Platform.Callback;

namespace TokenServer.Platform.Tests;

/// <summary>The replay guard's states: a message is handled once; its redeliveries learn whether that happened.</summary>
public sealed class ReplayGuardTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_message_is_new_then_being_handled_then_handled_and_new_again_once_its_window_passed()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var guard = new InMemoryReplayGuard(clock);

        Assert.Equal(ReplayVerdict.New, await guard.TryRememberAsync("c", "n", "s", Window, default));
        Assert.Equal(ReplayVerdict.BeingHandled, await guard.TryRememberAsync("c", "n", "s", Window, default));
        Assert.Equal(ReplayVerdict.New, await guard.TryRememberAsync("c", "n2", "s", Window, default));

        await guard.MarkHandledAsync("c", "n", "s", default);
        Assert.Equal(ReplayVerdict.Handled, await guard.TryRememberAsync("c", "n", "s", Window, default));

        clock.Advance(Window + Window + TimeSpan.FromSeconds(1));
        Assert.Equal(ReplayVerdict.New, await guard.TryRememberAsync("c", "n", "s", Window, default));
    }

    [Fact]
    public async Task A_forgotten_message_is_new_again_so_its_redelivery_is_handled()
    {
        var guard = new InMemoryReplayGuard(TimeProvider.System);
        Assert.Equal(ReplayVerdict.New, await guard.TryRememberAsync("c", "n", "s", Window, default));
        await guard.ForgetAsync("c", "n", "s", default);
        Assert.Equal(ReplayVerdict.New, await guard.TryRememberAsync("c", "n", "s", Window, default));
    }
}
