namespace WeChatSimulator.Tests;

public sealed class CounterTests
{
    [Fact]
    public async Task Counters_separate_apps_and_endpoints_and_count_errors_as_calls()
    {
        await using var sim = await SimTestContext.StartAsync();

        await sim.ClassicTokenAsync();
        await sim.ClassicTokenAsync(secret: "wrong");
        await sim.StableTokenAsync();
        await sim.StableTokenAsync();
        await sim.StableTokenAsync(forceRefresh: true);
        await sim.ClassicTokenAsync(SimTestContext.TestAppId, SimTestContext.TestSecret);

        Assert.Equal(2, sim.Sim.Calls(SimTestContext.AppId, "token"));
        Assert.Equal(1, sim.Sim.IssuedTokens(SimTestContext.AppId, "token"));
        Assert.Equal(3, sim.Sim.Calls(SimTestContext.AppId, "stable_token"));
        Assert.Equal(2, sim.Sim.IssuedTokens(SimTestContext.AppId, "stable_token"));
        Assert.Equal(1, sim.Sim.Calls(SimTestContext.AppId, "stable_token_force"));
        Assert.Equal(1, sim.Sim.IssuedTokens(SimTestContext.AppId, "stable_token_force"));
        Assert.Equal(3, sim.Sim.TotalIssuedTokens(SimTestContext.AppId));
        Assert.Equal(1, sim.Sim.TotalIssuedTokens(SimTestContext.TestAppId));
    }

    [Fact]
    public async Task Business_api_calls_are_counted_per_app()
    {
        await using var sim = await SimTestContext.StartAsync();
        var token = await sim.NewClassicTokenAsync();

        await sim.BusinessApiErrcodeAsync(token);
        await sim.BusinessApiErrcodeAsync(token);

        Assert.Equal(2, sim.Sim.Calls(SimTestContext.AppId, "get_api_domain_ip"));
    }

    [Fact]
    public async Task Reset_clears_counters_but_not_quotas()
    {
        await using var sim = await SimTestContext.StartAsync(o => o.DailyQuota = 1);
        await sim.ClassicTokenAsync();

        sim.Sim.ResetCounters();

        Assert.Equal(0, sim.Sim.TotalIssuedTokens(SimTestContext.AppId));
        Assert.Equal(45009, SimTestContext.Errcode(await sim.ClassicTokenAsync()));
    }

    [Fact]
    public async Task Counters_are_readable_over_http()
    {
        await using var sim = await SimTestContext.StartAsync();
        await sim.ClassicTokenAsync();

        var json = await sim.GetJsonAsync("_sim/counters");

        var row = Assert.Single(json.GetProperty("counters").EnumerateArray());
        Assert.Equal(SimTestContext.AppId, row.GetProperty("appid").GetString());
        Assert.Equal("token", row.GetProperty("endpoint").GetString());
        Assert.Equal(1, row.GetProperty("calls").GetInt32());
        Assert.Equal(1, row.GetProperty("issued").GetInt32());
    }

    [Fact]
    public async Task Concurrent_classic_calls_each_get_a_distinct_token()
    {
        await using var sim = await SimTestContext.StartAsync();

        var tokens = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => sim.NewClassicTokenAsync()));

        Assert.Equal(50, tokens.Distinct().Count());
        Assert.Equal(50, sim.Sim.IssuedTokens(SimTestContext.AppId, "token"));
        Assert.All(tokens, t => Assert.NotNull(sim.Sim.ValidateAccessToken(t, out _)));
        Assert.Single(tokens, t => sim.Sim.FindToken(t)?.InvalidFrom is null);
    }
}
