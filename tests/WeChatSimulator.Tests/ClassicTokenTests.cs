namespace WeChatSimulator.Tests;

public sealed class ClassicTokenTests
{
    [Fact]
    public async Task Every_call_issues_a_new_token_with_expires_in_7200()
    {
        await using var sim = await SimTestContext.StartAsync();

        var first = await sim.ClassicTokenAsync();
        var second = await sim.ClassicTokenAsync();

        Assert.NotEqual(SimTestContext.Token(first), SimTestContext.Token(second));
        Assert.Equal(7200, SimTestContext.ExpiresIn(first));
        Assert.Equal(7200, SimTestContext.ExpiresIn(second));
        Assert.Equal(2, sim.Sim.IssuedTokens(SimTestContext.AppId, "token"));
    }

    [Fact]
    public async Task Tokens_look_like_WeChat_tokens()
    {
        await using var sim = await SimTestContext.StartAsync();

        var token = await sim.NewClassicTokenAsync();

        Assert.True(token.Length >= 100, $"token too short: {token.Length}");
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
    }

    [Fact]
    public async Task Previous_token_keeps_working_for_5_minutes_then_answers_40001()
    {
        await using var sim = await SimTestContext.StartAsync();
        var old = await sim.NewClassicTokenAsync();
        var current = await sim.NewClassicTokenAsync();

        sim.Clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(old));

        sim.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(40001, await sim.BusinessApiErrcodeAsync(old));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(current));
    }

    [Fact]
    public async Task Grace_of_a_superseded_token_is_not_extended_by_later_calls()
    {
        await using var sim = await SimTestContext.StartAsync();
        var first = await sim.NewClassicTokenAsync();
        await sim.NewClassicTokenAsync();
        sim.Clock.Advance(TimeSpan.FromMinutes(4));
        await sim.NewClassicTokenAsync();

        sim.Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(40001, await sim.BusinessApiErrcodeAsync(first));
    }

    [Fact]
    public async Task Latest_token_expires_after_its_lifetime_with_42001()
    {
        await using var sim = await SimTestContext.StartAsync();
        var token = await sim.NewClassicTokenAsync();

        sim.Clock.Advance(TimeSpan.FromSeconds(7199));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(token));

        sim.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(42001, await sim.BusinessApiErrcodeAsync(token));
    }

    [Fact]
    public async Task Configured_lifetime_is_reported_in_expires_in()
    {
        await using var sim = await SimTestContext.StartAsync(o => o.TokenLifetime = TimeSpan.FromMinutes(30));

        var json = await sim.ClassicTokenAsync();

        Assert.Equal(1800, SimTestContext.ExpiresIn(json));
    }

    [Fact]
    public async Task Classic_calls_do_not_affect_stable_tokens()
    {
        await using var sim = await SimTestContext.StartAsync();
        var stable = SimTestContext.Token(await sim.StableTokenAsync());

        await sim.ClassicTokenAsync();
        sim.Clock.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(stable));
        Assert.Equal(stable, SimTestContext.Token(await sim.StableTokenAsync()));
    }
}
