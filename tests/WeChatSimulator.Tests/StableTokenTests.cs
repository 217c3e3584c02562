namespace WeChatSimulator.Tests;

public sealed class StableTokenTests
{
    [Fact]
    public async Task Normal_mode_returns_the_same_token_with_decreasing_expires_in()
    {
        await using var sim = await SimTestContext.StartAsync();
        var first = await sim.StableTokenAsync();

        sim.Clock.Advance(TimeSpan.FromSeconds(1000));
        var second = await sim.StableTokenAsync();

        Assert.Equal(SimTestContext.Token(first), SimTestContext.Token(second));
        Assert.Equal(7200, SimTestContext.ExpiresIn(first));
        Assert.Equal(6200, SimTestContext.ExpiresIn(second));
        Assert.Equal(1, sim.Sim.IssuedTokens(SimTestContext.AppId, "stable_token"));
        Assert.Equal(2, sim.Sim.Calls(SimTestContext.AppId, "stable_token"));
    }

    [Fact]
    public async Task In_the_last_5_minutes_a_new_token_is_issued_and_the_old_one_lives_until_its_expiry()
    {
        await using var sim = await SimTestContext.StartAsync();
        var old = SimTestContext.Token(await sim.StableTokenAsync());

        sim.Clock.Advance(TimeSpan.FromSeconds(7200 - 299));
        var renewed = await sim.StableTokenAsync();

        Assert.NotEqual(old, SimTestContext.Token(renewed));
        Assert.Equal(7200, SimTestContext.ExpiresIn(renewed));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(old));
        sim.Clock.Advance(TimeSpan.FromSeconds(298));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(old));
        sim.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(42001, await sim.BusinessApiErrcodeAsync(old));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(SimTestContext.Token(renewed)));
    }

    [Fact]
    public async Task Just_before_the_last_5_minutes_the_current_token_is_returned()
    {
        await using var sim = await SimTestContext.StartAsync();
        var first = SimTestContext.Token(await sim.StableTokenAsync());

        sim.Clock.Advance(TimeSpan.FromSeconds(7200 - 301));
        var again = await sim.StableTokenAsync();

        Assert.Equal(first, SimTestContext.Token(again));
        Assert.Equal(301, SimTestContext.ExpiresIn(again));
    }

    [Fact]
    public async Task After_expiry_normal_mode_issues_a_new_token()
    {
        await using var sim = await SimTestContext.StartAsync();
        var first = SimTestContext.Token(await sim.StableTokenAsync());

        sim.Clock.Advance(TimeSpan.FromHours(3));
        var next = await sim.StableTokenAsync();

        Assert.NotEqual(first, SimTestContext.Token(next));
        Assert.Equal(7200, SimTestContext.ExpiresIn(next));
    }

    [Fact]
    public async Task Force_refresh_invalidates_the_previous_token_at_once_and_returns_a_full_lifetime()
    {
        await using var sim = await SimTestContext.StartAsync();
        var old = SimTestContext.Token(await sim.StableTokenAsync());
        sim.Clock.Advance(TimeSpan.FromMinutes(10));

        var forced = await sim.StableTokenAsync(forceRefresh: true);

        Assert.NotEqual(old, SimTestContext.Token(forced));
        Assert.Equal(7200, SimTestContext.ExpiresIn(forced));
        Assert.Equal(40001, await sim.BusinessApiErrcodeAsync(old));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(SimTestContext.Token(forced)));
        Assert.Equal(1, sim.Sim.IssuedTokens(SimTestContext.AppId, "stable_token_force"));
        Assert.Equal(2, sim.Sim.IssuedTokens(SimTestContext.AppId, "stable_token"));
    }

    [Fact]
    public async Task Force_refresh_within_30_seconds_answers_45009_and_refreshes_nothing()
    {
        await using var sim = await SimTestContext.StartAsync();
        var forced = SimTestContext.Token(await sim.StableTokenAsync(forceRefresh: true));

        sim.Clock.Advance(TimeSpan.FromSeconds(29));
        var tooSoon = await sim.StableTokenAsync(forceRefresh: true);

        Assert.Equal(45009, SimTestContext.Errcode(tooSoon));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(forced));
        Assert.Equal(forced, SimTestContext.Token(await sim.StableTokenAsync()));

        sim.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.NotEqual(forced, SimTestContext.Token(await sim.StableTokenAsync(forceRefresh: true)));
    }

    [Fact]
    public async Task The_21st_force_refresh_of_a_day_answers_45009_and_the_next_day_works_again()
    {
        await using var sim = await SimTestContext.StartAsync();
        string last = "";
        for (var i = 0; i < 20; i++)
        {
            last = SimTestContext.Token(await sim.StableTokenAsync(forceRefresh: true));
            sim.Clock.Advance(TimeSpan.FromSeconds(30));
        }

        var refused = await sim.StableTokenAsync(forceRefresh: true);

        Assert.Equal(45009, SimTestContext.Errcode(refused));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(last));
        Assert.Equal(20, sim.Sim.IssuedTokens(SimTestContext.AppId, "stable_token_force"));
        Assert.Equal(21, sim.Sim.Calls(SimTestContext.AppId, "stable_token_force"));

        // The clock starts at 2026-01-01T00:00Z = 08:00 in UTC+8; the quota day ends 16 h later.
        sim.Clock.Advance(TimeSpan.FromHours(16));
        Assert.Equal(0, SimTestContext.Errcode(await sim.StableTokenAsync(forceRefresh: true)));
    }

    [Fact]
    public async Task Get_on_stable_token_answers_43002()
    {
        await using var sim = await SimTestContext.StartAsync();

        var json = await sim.GetJsonAsync($"cgi-bin/stable_token?grant_type=client_credential&appid={SimTestContext.AppId}&secret={SimTestContext.Secret}");

        Assert.Equal(43002, SimTestContext.Errcode(json));
        Assert.StartsWith("require POST method rid: ", json.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_without_a_json_body_answers_43002()
    {
        await using var sim = await SimTestContext.StartAsync();

        var json = await sim.PostJsonAsync("cgi-bin/stable_token", "grant_type=client_credential");

        Assert.Equal(43002, SimTestContext.Errcode(json));
    }

    [Fact]
    public async Task Stable_tokens_check_the_same_credentials_as_classic_tokens()
    {
        await using var sim = await SimTestContext.StartAsync();

        Assert.Equal(40125, SimTestContext.Errcode(await sim.StableTokenAsync(secret: "wrong")));
        Assert.Equal(40013, SimTestContext.Errcode(await sim.StableTokenAsync(appId: "wx00000000000000ff")));
        Assert.Equal(41002, SimTestContext.Errcode(await sim.PostJsonAsync("cgi-bin/stable_token", """{"grant_type":"client_credential","secret":"x"}""")));
    }

    [Fact]
    public async Task Minute_limit_answers_45011_and_clears_next_minute()
    {
        await using var sim = await SimTestContext.StartAsync(o => o.StableMinuteLimit = 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, SimTestContext.Errcode(await sim.StableTokenAsync()));
        }

        Assert.Equal(45011, SimTestContext.Errcode(await sim.StableTokenAsync()));

        sim.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, SimTestContext.Errcode(await sim.StableTokenAsync()));
    }

    [Fact]
    public async Task Daily_limit_answers_45009()
    {
        await using var sim = await SimTestContext.StartAsync(o => o.StableDailyLimit = 2);
        await sim.StableTokenAsync();
        await sim.StableTokenAsync();

        Assert.Equal(45009, SimTestContext.Errcode(await sim.StableTokenAsync()));
    }
}
