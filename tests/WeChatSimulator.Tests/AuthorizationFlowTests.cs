namespace WeChatSimulator.Tests;

public sealed class AuthorizationFlowTests
{
    [Fact]
    public async Task Ticket_to_authorizer_token_end_to_end_and_the_authorizer_token_works_on_business_apis()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var componentToken = await sim.NewComponentTokenAsync();
        var preAuthCode = ComponentFlow.Text(await sim.PreAuthCodeAsync(componentToken), "pre_auth_code");
        var code = await sim.Host.Push.AuthorizeAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId, preAuthCode);

        var query = await sim.QueryAuthAsync(componentToken, code);
        var info = query.GetProperty("authorization_info");
        var firstToken = ComponentFlow.Text(info, "authorizer_access_token");
        var refresh = ComponentFlow.Text(info, "authorizer_refresh_token");
        var refreshed = await sim.AuthorizerTokenAsync(componentToken, refresh);
        var secondToken = ComponentFlow.Text(refreshed, "authorizer_access_token");
        var ticket = await sim.GetJsonAsync($"cgi-bin/ticket/getticket?access_token={Uri.EscapeDataString(secondToken)}&type=jsapi");

        Assert.StartsWith("queryauthcode@@@", code, StringComparison.Ordinal);
        Assert.Equal(ComponentFlow.AuthorizerAppId, ComponentFlow.Text(info, "authorizer_appid"));
        Assert.Equal(7200, info.GetProperty("expires_in").GetInt32());
        Assert.Equal(1, info.GetProperty("func_info")[0].GetProperty("funcscope_category").GetProperty("id").GetInt32());
        Assert.Equal(7200, SimTestContext.ExpiresIn(refreshed));
        Assert.Equal(refresh, ComponentFlow.Text(refreshed, "authorizer_refresh_token"));
        Assert.NotEqual(firstToken, secondToken);
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(firstToken));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(secondToken));
        Assert.Equal(0, SimTestContext.Errcode(ticket));
        Assert.False(string.IsNullOrEmpty(ComponentFlow.Text(ticket, "ticket")));
        Assert.Equal(ComponentFlow.AuthorizerAppId, sim.Sim.ValidateAccessToken(secondToken, out _));
        Assert.True(sim.Sim.IsAuthorized(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId));
    }

    [Fact]
    public async Task Authorizer_tokens_behave_like_classic_tokens_5_minute_grace_then_40001_and_42001_at_expiry()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var (componentToken, info) = await sim.AuthorizeAsync();
        var first = ComponentFlow.Text(info, "authorizer_access_token");
        var refresh = ComponentFlow.Text(info, "authorizer_refresh_token");
        var second = ComponentFlow.Text(await sim.AuthorizerTokenAsync(componentToken, refresh), "authorizer_access_token");

        sim.Clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(40001, await sim.BusinessApiErrcodeAsync(first));
        Assert.Equal(0, await sim.BusinessApiErrcodeAsync(second));
        sim.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(42001, await sim.BusinessApiErrcodeAsync(second));
    }

    [Fact]
    public async Task An_authorization_code_is_single_use_61009_and_expires_after_10_minutes_61010()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var componentToken = await sim.NewComponentTokenAsync();
        var used = await sim.Host.Push.AuthorizeAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId);
        var stale = await sim.Host.Push.UpdateAuthorizedAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId);
        await sim.QueryAuthAsync(componentToken, used);

        var again = await sim.QueryAuthAsync(componentToken, used);
        var unknown = await sim.QueryAuthAsync(componentToken, "queryauthcode@@@nope");
        sim.Clock.Advance(TimeSpan.FromMinutes(10));
        var expired = await sim.QueryAuthAsync(componentToken, stale);

        Assert.Equal(61009, SimTestContext.Errcode(again));
        Assert.StartsWith("code is invalid rid: ", again.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
        Assert.Equal(61009, SimTestContext.Errcode(unknown));
        Assert.Equal(61010, SimTestContext.Errcode(expired));
    }

    [Fact]
    public async Task A_pre_auth_code_is_consumed_by_the_authorization_it_starts()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var componentToken = await sim.NewComponentTokenAsync();
        var preAuthCode = ComponentFlow.Text(await sim.PreAuthCodeAsync(componentToken), "pre_auth_code");
        await sim.Host.Push.AuthorizeAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId, preAuthCode);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            sim.Host.Push.AuthorizeAsync(ComponentFlow.ComponentAppId, "wx00000000000a0002", preAuthCode));
    }

    [Fact]
    public async Task The_refresh_token_stays_the_same_by_default()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var (componentToken, info) = await sim.AuthorizeAsync();
        var refresh = ComponentFlow.Text(info, "authorizer_refresh_token");

        var first = await sim.AuthorizerTokenAsync(componentToken, refresh);
        var second = await sim.AuthorizerTokenAsync(componentToken, refresh);

        Assert.Equal(refresh, ComponentFlow.Text(first, "authorizer_refresh_token"));
        Assert.Equal(refresh, ComponentFlow.Text(second, "authorizer_refresh_token"));
    }

    [Fact]
    public async Task With_rotation_each_refresh_returns_a_new_refresh_token_and_the_presented_one_answers_61023()
    {
        await using var sim = await ComponentFlow.StartAsync(configure: o => o.RotateRefreshTokens = true);
        var (componentToken, info) = await sim.AuthorizeAsync();
        var original = ComponentFlow.Text(info, "authorizer_refresh_token");

        var rotated = ComponentFlow.Text(await sim.AuthorizerTokenAsync(componentToken, original), "authorizer_refresh_token");
        var reused = await sim.AuthorizerTokenAsync(componentToken, original);
        var next = await sim.AuthorizerTokenAsync(componentToken, rotated);

        Assert.NotEqual(original, rotated);
        Assert.Equal(61023, SimTestContext.Errcode(reused));
        Assert.StartsWith("refresh_token is invalid rid: ", reused.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, SimTestContext.Errcode(next));
        Assert.NotEqual(rotated, ComponentFlow.Text(next, "authorizer_refresh_token"));
    }

    [Fact]
    public async Task After_unauthorization_the_refresh_token_answers_61023_and_access_tokens_40001()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var (componentToken, info) = await sim.AuthorizeAsync();
        var accessToken = ComponentFlow.Text(info, "authorizer_access_token");
        var refresh = ComponentFlow.Text(info, "authorizer_refresh_token");

        await sim.Host.Push.UnauthorizeAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId);

        Assert.Equal(61023, SimTestContext.Errcode(await sim.AuthorizerTokenAsync(componentToken, refresh)));
        Assert.Equal(40001, await sim.BusinessApiErrcodeAsync(accessToken));
        Assert.False(sim.Sim.IsAuthorized(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId));
    }

    [Fact]
    public async Task Reauthorizing_after_unauthorization_hands_out_a_new_refresh_token()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var (componentToken, info) = await sim.AuthorizeAsync();
        var old = ComponentFlow.Text(info, "authorizer_refresh_token");
        await sim.Host.Push.UnauthorizeAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId);

        var code = await sim.Host.Push.AuthorizeAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId);
        var renewed = ComponentFlow.Text((await sim.QueryAuthAsync(componentToken, code)).GetProperty("authorization_info"), "authorizer_refresh_token");

        Assert.NotEqual(old, renewed);
        Assert.Equal(61023, SimTestContext.Errcode(await sim.AuthorizerTokenAsync(componentToken, old)));
        Assert.Equal(0, SimTestContext.Errcode(await sim.AuthorizerTokenAsync(componentToken, renewed)));
    }

    [Fact]
    public async Task Unknown_accounts_and_wrong_refresh_tokens_answer_61023()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var (componentToken, info) = await sim.AuthorizeAsync();
        var refresh = ComponentFlow.Text(info, "authorizer_refresh_token");

        Assert.Equal(61023, SimTestContext.Errcode(await sim.AuthorizerTokenAsync(componentToken, "refreshtoken@@@wrong")));
        Assert.Equal(61023, SimTestContext.Errcode(await sim.AuthorizerTokenAsync(componentToken, refresh, authorizerAppId: "wx00000000000a0999")));
        Assert.Equal(40014, SimTestContext.Errcode(await sim.AuthorizerTokenAsync("81_nope", refresh)));
    }

    [Fact]
    public async Task Faults_apply_to_authorizer_token_calls()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var (componentToken, info) = await sim.AuthorizeAsync();
        var refresh = ComponentFlow.Text(info, "authorizer_refresh_token");

        sim.Sim.Faults.ComponentErrors[ComponentFlow.ComponentAppId] = 61004;
        var componentForced = await sim.AuthorizerTokenAsync(componentToken, refresh);
        sim.Sim.Faults.Clear();
        sim.Sim.Faults.AppErrors[ComponentFlow.AuthorizerAppId] = 50007;
        var authorizerForced = await sim.AuthorizerTokenAsync(componentToken, refresh);
        sim.Sim.Faults.Clear();
        sim.Sim.Faults.QuotaExhaustedApps.Add(ComponentFlow.AuthorizerAppId);
        var quota = await sim.AuthorizerTokenAsync(componentToken, refresh);
        sim.Sim.Faults.Clear();

        Assert.Equal(61004, SimTestContext.Errcode(componentForced));
        Assert.Equal(50007, SimTestContext.Errcode(authorizerForced));
        Assert.Equal(45009, SimTestContext.Errcode(quota));
        Assert.Equal(0, SimTestContext.Errcode(await sim.AuthorizerTokenAsync(componentToken, refresh)));
    }

    [Fact]
    public async Task Counters_count_authorizer_tokens_per_authorizer_and_query_auth_per_component()
    {
        await using var sim = await ComponentFlow.StartAsync();
        var (componentToken, info) = await sim.AuthorizeAsync();
        var refresh = ComponentFlow.Text(info, "authorizer_refresh_token");
        await sim.AuthorizerTokenAsync(componentToken, refresh);
        await sim.AuthorizerTokenAsync(componentToken, "refreshtoken@@@wrong");

        Assert.Equal(2, sim.Sim.Calls(ComponentFlow.AuthorizerAppId, WeChatSim.AuthorizerTokenEndpoint));
        Assert.Equal(1, sim.Sim.IssuedTokens(ComponentFlow.AuthorizerAppId, WeChatSim.AuthorizerTokenEndpoint));
        Assert.Equal(1, sim.Sim.Calls(ComponentFlow.ComponentAppId, WeChatSim.QueryAuthEndpoint));
        Assert.Equal(1, sim.Sim.IssuedTokens(ComponentFlow.ComponentAppId, WeChatSim.QueryAuthEndpoint));
    }
}
