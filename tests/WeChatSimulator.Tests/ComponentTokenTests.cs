using System.Text.Json;

namespace WeChatSimulator.Tests;

public sealed class ComponentTokenTests
{
    [Fact]
    public async Task A_pushed_ticket_buys_a_component_access_token_of_7200_seconds()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var ticket = await sim.PushTicketAsync();

        var json = await sim.ComponentTokenAsync(ticket);

        Assert.StartsWith("ticket@@@", ticket, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(ComponentFlow.Text(json, "component_access_token")));
        Assert.Equal(7200, SimTestContext.ExpiresIn(json));
        Assert.False(json.TryGetProperty("errcode", out _));
    }

    [Fact]
    public async Task A_ticket_is_accepted_for_12_hours_then_answers_61005()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var ticket = await sim.PushTicketAsync();
        sim.Clock.Advance(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, SimTestContext.Errcode(await sim.ComponentTokenAsync(ticket)));

        sim.Clock.Advance(TimeSpan.FromSeconds(1));
        var json = await sim.ComponentTokenAsync(ticket);

        Assert.Equal(61005, SimTestContext.Errcode(json));
        Assert.StartsWith("component ticket is expired rid: ", json.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_earlier_ticket_still_works_after_a_newer_push_within_its_12_hours()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var first = await sim.PushTicketAsync();
        sim.Clock.Advance(TimeSpan.FromMinutes(10));
        var second = await sim.PushTicketAsync();

        Assert.NotEqual(first, second);
        Assert.Equal(second, sim.Sim.LatestVerifyTicket(ComponentFlow.ComponentAppId));
        Assert.Equal(0, SimTestContext.Errcode(await sim.ComponentTokenAsync(first)));
    }

    [Theory]
    [InlineData("ticket@@@never-pushed")]
    [InlineData("")]
    [InlineData(null)]
    public async Task An_unknown_or_missing_ticket_answers_61006(string? ticket)
    {
        await using var sim = await ComponentFlow.StartAsync();
        await sim.PushTicketAsync();

        Assert.Equal(61006, SimTestContext.Errcode(await sim.ComponentTokenAsync(ticket)));
    }

    [Fact]
    public async Task Credential_errors_come_before_the_ticket_check()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var ticket = await sim.PushTicketAsync();

        Assert.Equal(40125, SimTestContext.Errcode(await sim.ComponentTokenAsync(ticket, secret: "wrong")));
        Assert.Equal(41004, SimTestContext.Errcode(await sim.ComponentTokenAsync(ticket, secret: "")));
        Assert.Equal(61011, SimTestContext.Errcode(await sim.ComponentTokenAsync(ticket, componentAppId: "wx00000000000c0999")));
        Assert.Equal(41002, SimTestContext.Errcode(await sim.ComponentTokenAsync(ticket, componentAppId: "")));
        Assert.Equal(40125, SimTestContext.Errcode(await sim.ComponentTokenAsync("ticket@@@unknown", secret: "wrong")));
    }

    [Fact]
    public async Task Faults_force_61004_and_45009_and_busy_answers()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var ticket = await sim.PushTicketAsync();

        sim.Sim.Faults.RejectIp = true;
        var rejected = await sim.ComponentTokenAsync(ticket);
        sim.Sim.Faults.Clear();
        sim.Sim.Faults.ComponentErrors[ComponentFlow.ComponentAppId] = 61004;
        var forced = await sim.ComponentTokenAsync(ticket);
        sim.Sim.Faults.Clear();
        sim.Sim.Faults.QuotaExhaustedApps.Add(ComponentFlow.ComponentAppId);
        var quota = await sim.ComponentTokenAsync(ticket);
        sim.Sim.Faults.Clear();
        sim.Sim.Faults.BusyShare = 1;
        var busy = await sim.ComponentTokenAsync(ticket);
        sim.Sim.Faults.Clear();

        Assert.Equal(61004, SimTestContext.Errcode(rejected));
        Assert.StartsWith("access clientip is not registered rid: ", rejected.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
        Assert.Equal(61004, SimTestContext.Errcode(forced));
        Assert.Equal(45009, SimTestContext.Errcode(quota));
        Assert.Equal(-1, SimTestContext.Errcode(busy));
        Assert.Equal(0, SimTestContext.Errcode(await sim.ComponentTokenAsync(ticket)));
    }

    [Fact]
    public async Task Component_errors_can_be_forced_over_the_control_endpoint()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var ticket = await sim.PushTicketAsync();

        var faults = await sim.PostJsonAsync("_sim/faults", $$$"""{"component_errors":{"{{{ComponentFlow.ComponentAppId}}}":61004}}""");
        var forced = await sim.ComponentTokenAsync(ticket);
        await sim.PostJsonAsync("_sim/faults/clear", "{}");

        Assert.Equal(61004, faults.GetProperty("component_errors").GetProperty(ComponentFlow.ComponentAppId).GetInt32());
        Assert.Equal(61004, SimTestContext.Errcode(forced));
        Assert.Equal(0, SimTestContext.Errcode(await sim.ComponentTokenAsync(ticket)));
    }

    [Fact]
    public async Task The_daily_quota_answers_45009_until_Beijing_midnight()
    {
        await using var sim = await ComponentFlow.StartAsync(configure: o => o.ComponentTokenDailyQuota = 2);
        var ticket = await sim.PushTicketAsync();
        await sim.ComponentTokenAsync(ticket);
        await sim.ComponentTokenAsync(ticket);

        Assert.Equal(45009, SimTestContext.Errcode(await sim.ComponentTokenAsync(ticket)));
        sim.Clock.Advance(TimeSpan.FromHours(16)); // 2026-01-01T16:00Z = Beijing midnight
        Assert.Equal(0, SimTestContext.Errcode(await sim.ComponentTokenAsync(await sim.PushTicketAsync())));
    }

    [Fact]
    public async Task Each_call_issues_a_new_component_token_and_the_previous_one_keeps_working_for_5_minutes()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var ticket = await sim.PushTicketAsync();
        var first = ComponentFlow.Text(await sim.ComponentTokenAsync(ticket), "component_access_token");
        var second = ComponentFlow.Text(await sim.ComponentTokenAsync(ticket), "component_access_token");

        Assert.NotEqual(first, second);
        Assert.Equal(0, SimTestContext.Errcode(await sim.PreAuthCodeAsync(first)));
        sim.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(40001, SimTestContext.Errcode(await sim.PreAuthCodeAsync(first)));
        Assert.Equal(0, SimTestContext.Errcode(await sim.PreAuthCodeAsync(second)));
        sim.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(42001, SimTestContext.Errcode(await sim.PreAuthCodeAsync(second)));
    }

    [Fact]
    public async Task Component_token_endpoints_reject_unknown_tokens_with_40014_and_are_not_business_tokens()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var componentToken = await sim.NewComponentTokenAsync();

        Assert.Equal(40014, SimTestContext.Errcode(await sim.PreAuthCodeAsync("81_nope")));
        Assert.Equal(40014, await sim.BusinessApiErrcodeAsync(componentToken));
        Assert.Equal(ComponentFlow.ComponentAppId, sim.Sim.ValidateComponentAccessToken(componentToken, out var errcode));
        Assert.Equal(0, errcode);
    }

    [Fact]
    public async Task A_component_token_is_only_good_for_its_own_component_appid()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var componentToken = await sim.NewComponentTokenAsync();

        var json = await sim.PostJsonAsync(
            $"cgi-bin/component/api_create_preauthcode?component_access_token={Uri.EscapeDataString(componentToken)}",
            JsonSerializer.Serialize(new { component_appid = "wx00000000000c0999" }));

        Assert.Equal(61011, SimTestContext.Errcode(json));
    }

    [Fact]
    public async Task Pre_auth_codes_are_new_each_time_and_last_1800_seconds()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var componentToken = await sim.NewComponentTokenAsync();

        var first = await sim.PreAuthCodeAsync(componentToken);
        var second = await sim.PreAuthCodeAsync(componentToken);

        Assert.Equal(1800, SimTestContext.ExpiresIn(first));
        Assert.NotEqual(ComponentFlow.Text(first, "pre_auth_code"), ComponentFlow.Text(second, "pre_auth_code"));
    }

    [Fact]
    public async Task Component_endpoints_want_POST_and_a_JSON_object()
    {
        await using var sim = await ComponentFlow.StartAsync();

        var get = await sim.GetJsonAsync("cgi-bin/component/api_component_token");
        var notJson = await sim.PostJsonAsync("cgi-bin/component/api_component_token", "component_appid=x");

        Assert.Equal(43002, SimTestContext.Errcode(get));
        Assert.Equal(47001, SimTestContext.Errcode(notJson));
    }

    [Fact]
    public async Task Counters_count_component_calls_per_component_appid()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var ticket = await sim.PushTicketAsync();
        await sim.ComponentTokenAsync(ticket);
        await sim.ComponentTokenAsync(ticket, secret: "wrong");
        var componentToken = ComponentFlow.Text(await sim.ComponentTokenAsync(ticket), "component_access_token");
        await sim.PreAuthCodeAsync(componentToken);

        Assert.Equal(3, sim.Sim.Calls(ComponentFlow.ComponentAppId, WeChatSim.ComponentTokenEndpoint));
        Assert.Equal(2, sim.Sim.IssuedTokens(ComponentFlow.ComponentAppId, WeChatSim.ComponentTokenEndpoint));
        Assert.Equal(1, sim.Sim.IssuedTokens(ComponentFlow.ComponentAppId, WeChatSim.CreatePreAuthCodeEndpoint));
        Assert.Equal(1, sim.Sim.IssuedTokens(ComponentFlow.ComponentAppId, WeChatSim.VerifyTicketCounter));
        Assert.Equal(0, sim.Sim.Calls(ComponentFlow.ComponentAppId, WeChatSim.VerifyTicketCounter)); // no callback URL: nothing posted
    }
}
