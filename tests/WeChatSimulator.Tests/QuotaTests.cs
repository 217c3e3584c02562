namespace WeChatSimulator.Tests;

public sealed class QuotaTests
{
    [Fact]
    public async Task Classic_calls_beyond_the_daily_quota_answer_45009_until_Beijing_midnight()
    {
        await using var sim = await SimTestContext.StartAsync(o => o.DailyQuota = 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, SimTestContext.Errcode(await sim.ClassicTokenAsync()));
        }

        var refused = await sim.ClassicTokenAsync();
        Assert.Equal(45009, SimTestContext.Errcode(refused));
        Assert.StartsWith("reach max api daily quota limit rid: ", refused.GetProperty("errmsg").GetString(), StringComparison.Ordinal);

        // The clock starts at 2026-01-01T00:00Z, i.e. 08:00 in UTC+8: the quota day ends at 16:00Z.
        sim.Clock.Advance(TimeSpan.FromHours(16) - TimeSpan.FromSeconds(1));
        Assert.Equal(45009, SimTestContext.Errcode(await sim.ClassicTokenAsync()));
        sim.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, SimTestContext.Errcode(await sim.ClassicTokenAsync()));
        Assert.Equal(4, sim.Sim.IssuedTokens(SimTestContext.AppId, "token"));
        Assert.Equal(6, sim.Sim.Calls(SimTestContext.AppId, "token"));
    }

    [Fact]
    public async Task Test_accounts_have_a_smaller_daily_quota()
    {
        await using var sim = await SimTestContext.StartAsync(o => o.TestAccountDailyQuota = 2);

        await sim.ClassicTokenAsync(SimTestContext.TestAppId, SimTestContext.TestSecret);
        await sim.ClassicTokenAsync(SimTestContext.TestAppId, SimTestContext.TestSecret);
        var third = await sim.ClassicTokenAsync(SimTestContext.TestAppId, SimTestContext.TestSecret);

        Assert.Equal(45009, SimTestContext.Errcode(third));
        Assert.Equal(0, SimTestContext.Errcode(await sim.ClassicTokenAsync()));
    }

    [Fact]
    public async Task Failed_calls_do_not_use_the_quota()
    {
        await using var sim = await SimTestContext.StartAsync(o => o.DailyQuota = 1);

        await sim.ClassicTokenAsync(secret: "wrong");

        Assert.Equal(0, SimTestContext.Errcode(await sim.ClassicTokenAsync()));
    }

    [Fact]
    public void Default_options_match_the_documented_limits()
    {
        var options = new SimulatorOptions();

        Assert.Equal(TimeSpan.FromSeconds(7200), options.TokenLifetime);
        Assert.Equal(TimeSpan.FromMinutes(5), options.OldTokenGrace);
        Assert.Equal(2000, options.DailyQuota);
        Assert.Equal(200, options.TestAccountDailyQuota);
        Assert.Equal(20, options.StableForceDailyLimit);
        Assert.Equal(TimeSpan.FromSeconds(30), options.StableForceMinInterval);
        Assert.Equal(10_000, options.StableMinuteLimit);
        Assert.Equal(500_000, options.StableDailyLimit);
    }

    [Fact]
    public void Invalid_options_are_rejected_naming_the_key()
    {
        var options = new SimulatorOptions { TokenLifetime = TimeSpan.Zero };

        var error = Assert.Throws<ArgumentException>(() => new WeChatSim(options, new ManualClock()));

        Assert.Contains("Simulator:TokenLifetime", error.Message, StringComparison.Ordinal);
    }
}
