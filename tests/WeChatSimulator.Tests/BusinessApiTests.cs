namespace WeChatSimulator.Tests;

public sealed class BusinessApiTests
{
    [Fact]
    public async Task Valid_token_gets_the_ip_list()
    {
        await using var sim = await SimTestContext.StartAsync();
        var token = await sim.NewClassicTokenAsync();

        var json = await sim.GetJsonAsync($"cgi-bin/get_api_domain_ip?access_token={token}");

        Assert.Contains("101.226.103.0/25", json.GetProperty("ip_list").EnumerateArray().Select(e => e.GetString()));
        Assert.False(json.TryGetProperty("errcode", out _));
    }

    [Fact]
    public async Task Unknown_token_answers_40014_invalid_access_token()
    {
        await using var sim = await SimTestContext.StartAsync();

        var json = await sim.GetJsonAsync("cgi-bin/get_api_domain_ip?access_token=81_not-a-token");

        Assert.Equal(40014, SimTestContext.Errcode(json));
        Assert.StartsWith("invalid access_token rid: ", json.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_token_answers_40014()
    {
        await using var sim = await SimTestContext.StartAsync();

        Assert.Equal(40014, SimTestContext.Errcode(await sim.GetJsonAsync("cgi-bin/get_api_domain_ip")));
    }

    [Fact]
    public async Task Superseded_and_expired_tokens_get_WeChat_texts_with_rids()
    {
        await using var sim = await SimTestContext.StartAsync();
        var superseded = await sim.NewClassicTokenAsync();
        var latest = await sim.NewClassicTokenAsync();
        sim.Clock.Advance(TimeSpan.FromHours(2));

        var invalid = await sim.GetJsonAsync($"cgi-bin/get_api_domain_ip?access_token={superseded}");
        var expired = await sim.GetJsonAsync($"cgi-bin/get_api_domain_ip?access_token={latest}");

        Assert.Equal(40001, SimTestContext.Errcode(invalid));
        Assert.Matches("^invalid credential, access_token is invalid or not latest rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$", invalid.GetProperty("errmsg").GetString());
        Assert.Equal(42001, SimTestContext.Errcode(expired));
        Assert.Matches("^access_token expired rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$", expired.GetProperty("errmsg").GetString());
    }

    [Fact]
    public void ValidateAccessToken_reports_the_owning_app_or_the_errcode()
    {
        var clock = new ManualClock();
        var options = new SimulatorOptions();
        options.Apps.Add(new SimulatedApp(SimTestContext.AppId, SimTestContext.Secret));
        var sim = new WeChatSim(options, clock);
        var token = sim.RequestClassicToken("client_credential", SimTestContext.AppId, SimTestContext.Secret).Credential!;

        Assert.Equal(SimTestContext.AppId, sim.ValidateAccessToken(token, out var ok));
        Assert.Equal(0, ok);
        Assert.Null(sim.ValidateAccessToken("nope", out var unknown));
        Assert.Equal(40014, unknown);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Null(sim.ValidateAccessToken(token, out var expired));
        Assert.Equal(42001, expired);
    }

    [Theory]
    [InlineData("jsapi")]
    [InlineData("wx_card")]
    public async Task Getticket_returns_a_ticket_for_a_valid_token_and_counts_it(string type)
    {
        await using var sim = await SimTestContext.StartAsync();
        var token = await sim.NewClassicTokenAsync();

        var json = await sim.GetJsonAsync($"cgi-bin/ticket/getticket?access_token={token}&type={type}");

        Assert.Equal(0, json.GetProperty("errcode").GetInt32());
        Assert.Equal("ok", json.GetProperty("errmsg").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("ticket").GetString()));
        Assert.Equal(7200, SimTestContext.ExpiresIn(json));
        Assert.Equal(1, sim.Sim.IssuedTokens(SimTestContext.AppId, "ticket_" + type));
        Assert.Equal(1, sim.Sim.Calls(SimTestContext.AppId, "ticket_" + type));
    }

    [Fact]
    public async Task Getticket_validates_the_token_like_any_business_api()
    {
        await using var sim = await SimTestContext.StartAsync();
        var token = await sim.NewClassicTokenAsync();
        sim.Clock.Advance(TimeSpan.FromHours(2));

        var expired = await sim.GetJsonAsync($"cgi-bin/ticket/getticket?access_token={token}&type=jsapi");
        var unknown = await sim.GetJsonAsync("cgi-bin/ticket/getticket?access_token=bogus&type=jsapi");

        Assert.Equal(42001, SimTestContext.Errcode(expired));
        Assert.Equal(40014, SimTestContext.Errcode(unknown));
        Assert.Equal(0, sim.Sim.IssuedTokens(SimTestContext.AppId, "ticket_jsapi"));
    }
}
