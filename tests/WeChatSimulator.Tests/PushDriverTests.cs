using System.Globalization;
using System.Text.Json;

namespace WeChatSimulator.Tests;

public sealed class PushDriverTests
{
    [Fact]
    public async Task A_ticket_push_is_encrypted_signed_and_posted_to_the_callback_url()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await ComponentFlow.StartAsync(receiver.Url);

        var result = await sim.Host.Push.PushTicketAsync(ComponentFlow.ComponentAppId);
        var received = await receiver.NextAsync();

        Assert.True(result.Acknowledged, result.ToString());
        Assert.Equal(receiver.Url, result.CallbackUrl);
        Assert.Equal(ComponentFlow.ComponentAppId, received.EnvelopeAppId);
        Assert.Equal(ComponentFlow.ComponentAppId, received.SealedForAppId);
        Assert.Equal(ComponentFlow.ComponentAppId, received.Field("AppId"));
        Assert.Equal("component_verify_ticket", received.Field("InfoType"));
        Assert.Equal(sim.Sim.LatestVerifyTicket(ComponentFlow.ComponentAppId), received.Field("ComponentVerifyTicket"));
        Assert.Equal(sim.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), received.Field("CreateTime"));
        Assert.Equal(received.Field("CreateTime"), received.Timestamp);
        Assert.Equal(0, SimTestContext.Errcode(await sim.ComponentTokenAsync(received.Field("ComponentVerifyTicket"))));
        Assert.Equal(1, sim.Sim.Calls(ComponentFlow.ComponentAppId, WeChatSim.VerifyTicketCounter));
    }

    [Fact]
    public async Task Authorization_events_carry_the_code_its_expiry_and_the_pre_auth_code()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await ComponentFlow.StartAsync(receiver.Url);
        var componentToken = await sim.NewComponentTokenAsync();
        await receiver.NextAsync(); // the ticket
        var preAuthCode = ComponentFlow.Text(await sim.PreAuthCodeAsync(componentToken), "pre_auth_code");

        var code = await sim.Host.Push.AuthorizeAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId, preAuthCode);
        var authorized = await receiver.NextAsync();
        var updatedCode = await sim.Host.Push.UpdateAuthorizedAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId);
        var updated = await receiver.NextAsync();
        await sim.Host.Push.UnauthorizeAsync(ComponentFlow.ComponentAppId, ComponentFlow.AuthorizerAppId);
        var unauthorized = await receiver.NextAsync();

        Assert.Equal("authorized", authorized.Field("InfoType"));
        Assert.Equal(ComponentFlow.AuthorizerAppId, authorized.Field("AuthorizerAppid"));
        Assert.Equal(code, authorized.Field("AuthorizationCode"));
        Assert.Equal(preAuthCode, authorized.Field("PreAuthCode"));
        Assert.Equal(sim.Clock.GetUtcNow().AddMinutes(10).ToUnixTimeSeconds(), long.Parse(authorized.Field("AuthorizationCodeExpiredTime"), CultureInfo.InvariantCulture));
        Assert.Equal("updateauthorized", updated.Field("InfoType"));
        Assert.Equal(updatedCode, updated.Field("AuthorizationCode"));
        Assert.Equal("unauthorized", unauthorized.Field("InfoType"));
        Assert.Equal(ComponentFlow.AuthorizerAppId, unauthorized.Field("AuthorizerAppid"));
        Assert.Null(unauthorized.Xml.Element("AuthorizationCode"));
    }

    [Fact]
    public async Task Api_start_push_ticket_answers_ok_and_pushes_a_ticket_at_once()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await ComponentFlow.StartAsync(receiver.Url);

        var json = await sim.PostJsonAsync("cgi-bin/component/api_start_push_ticket",
            JsonSerializer.Serialize(new { component_appid = ComponentFlow.ComponentAppId, component_secret = ComponentFlow.ComponentSecret }));
        var received = await receiver.NextAsync();

        Assert.Equal(0, SimTestContext.Errcode(json));
        Assert.Equal("ok", json.GetProperty("errmsg").GetString());
        Assert.Equal("component_verify_ticket", received.Field("InfoType"));
        Assert.Equal(1, sim.Sim.Calls(ComponentFlow.ComponentAppId, WeChatSim.StartPushTicketEndpoint));
    }

    [Fact]
    public async Task Api_start_push_ticket_checks_the_credentials()
    {
        await using var sim = await ComponentFlow.StartAsync();

        var wrong = await sim.PostJsonAsync("cgi-bin/component/api_start_push_ticket",
            JsonSerializer.Serialize(new { component_appid = ComponentFlow.ComponentAppId, component_secret = "wrong" }));
        var unknown = await sim.PostJsonAsync("cgi-bin/component/api_start_push_ticket",
            JsonSerializer.Serialize(new { component_appid = "wx00000000000c0999", component_secret = "x" }));

        Assert.Equal(40125, SimTestContext.Errcode(wrong));
        Assert.Equal(61011, SimTestContext.Errcode(unknown));
        Assert.Null(sim.Sim.LatestVerifyTicket(ComponentFlow.ComponentAppId));
    }

    [Fact]
    public async Task The_periodic_push_sends_a_new_ticket_every_10_simulated_minutes()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await ComponentFlow.StartAsync(receiver.Url);
        var start = sim.Clock.GetUtcNow();
        sim.Host.Push.Start(TimeSpan.FromMinutes(10));

        sim.Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Null(sim.Sim.LatestVerifyTicket(ComponentFlow.ComponentAppId));
        sim.Clock.Advance(TimeSpan.FromMinutes(1));
        var first = await receiver.NextAsync();
        sim.Clock.Advance(TimeSpan.FromMinutes(30));
        var next = new[] { await receiver.NextAsync(), await receiver.NextAsync(), await receiver.NextAsync() };

        Assert.Equal(start.AddMinutes(10).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), first.Field("CreateTime"));
        Assert.Equal(
            [20, 30, 40],
            next.Select(r => (int)((long.Parse(r.Field("CreateTime"), CultureInfo.InvariantCulture) - start.ToUnixTimeSeconds()) / 60)));
        Assert.Equal(4, new[] { first }.Concat(next).Select(r => r.Field("ComponentVerifyTicket")).Distinct().Count());
        Assert.Equal(next[^1].Field("ComponentVerifyTicket"), sim.Sim.LatestVerifyTicket(ComponentFlow.ComponentAppId));
        await sim.Host.Push.StopAsync();
        sim.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(4, sim.Sim.IssuedTokens(ComponentFlow.ComponentAppId, WeChatSim.VerifyTicketCounter));
    }

    [Fact]
    public async Task PushTicketsPeriodically_starts_the_push_with_the_host()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await ComponentFlow.StartAsync(receiver.Url, o => o.PushTicketsPeriodically = true);

        sim.Clock.Advance(TimeSpan.FromMinutes(10));

        Assert.True(sim.Host.Push.IsRunning);
        Assert.Equal("component_verify_ticket", (await receiver.NextAsync()).Field("InfoType"));
    }

    [Fact]
    public async Task The_callback_url_can_be_set_after_start_and_may_carry_its_own_query()
    {
        await using var sim = await ComponentFlow.StartAsync();
        await using var receiver = await CallbackReceiver.StartAsync();
        Assert.Null((await sim.Host.Push.PushTicketAsync(ComponentFlow.ComponentAppId)).CallbackUrl);

        sim.Sim.SetComponentCallback(ComponentFlow.ComponentAppId, new Uri(receiver.Url + "?tag=late"));
        var result = await sim.Host.Push.PushTicketAsync(ComponentFlow.ComponentAppId);

        Assert.True(result.Acknowledged, result.ToString());
        Assert.Equal("late", (await receiver.NextAsync()).Tag);
    }

    [Fact]
    public async Task A_callback_that_does_not_answer_success_is_reported_not_thrown()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await ComponentFlow.StartAsync(receiver.Url);
        receiver.Reply = "fail";

        var rejected = await sim.Host.Push.PushTicketAsync(ComponentFlow.ComponentAppId);
        await receiver.DisposeAsync();
        var unreachable = await sim.Host.Push.PushTicketAsync(ComponentFlow.ComponentAppId);

        Assert.Equal(200, rejected.StatusCode);
        Assert.Equal("fail", rejected.Body);
        Assert.False(rejected.Acknowledged);
        Assert.Equal(0, unreachable.StatusCode);
        Assert.NotNull(unreachable.Error);
        Assert.Same(unreachable, sim.Host.Push.LastPush);
    }

    [Fact]
    public async Task A_receiver_with_another_token_sees_a_bad_signature()
    {
        await using var receiver = await CallbackReceiver.StartAsync(token: "other-token");
        await using var sim = await ComponentFlow.StartAsync(receiver.Url);

        var result = await sim.Host.Push.PushTicketAsync(ComponentFlow.ComponentAppId);

        Assert.Equal(401, result.StatusCode);
        Assert.False(receiver.TryNext(out _));
    }

    [Fact]
    public async Task Control_endpoints_push_tickets_and_authorize_and_unauthorize_accounts()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await ComponentFlow.StartAsync();
        var baseUri = $"_sim/components/{ComponentFlow.ComponentAppId}";

        await sim.PostJsonAsync(baseUri + "/callback", JsonSerializer.Serialize(new { callback_url = receiver.Url }));
        var pushed = await sim.PostJsonAsync(baseUri + "/push_ticket", "{}");
        var authorized = await sim.PostJsonAsync(baseUri + "/authorize", JsonSerializer.Serialize(new { authorizer_appid = ComponentFlow.AuthorizerAppId }));
        var unauthorized = await sim.PostJsonAsync(baseUri + "/unauthorize", JsonSerializer.Serialize(new { authorizer_appid = ComponentFlow.AuthorizerAppId }));
        using var unknown = await sim.Http.PostAsync(new Uri("_sim/components/wx00000000000c0999/push_ticket", UriKind.Relative), null);
        using var conflict = await sim.Http.PostAsync(
            new Uri(baseUri + "/unauthorize", UriKind.Relative),
            new StringContent(JsonSerializer.Serialize(new { authorizer_appid = ComponentFlow.AuthorizerAppId }), System.Text.Encoding.UTF8, "application/json"));
        var listed = await sim.GetJsonAsync("_sim/components");

        Assert.Equal(sim.Sim.LatestVerifyTicket(ComponentFlow.ComponentAppId), pushed.GetProperty("ticket").GetString());
        Assert.True(pushed.GetProperty("push").GetProperty("acknowledged").GetBoolean());
        Assert.Equal("authorized", authorized.GetProperty("push").GetProperty("info_type").GetString());
        Assert.StartsWith("queryauthcode@@@", authorized.GetProperty("authorization_code").GetString(), StringComparison.Ordinal);
        Assert.Equal("unauthorized", unauthorized.GetProperty("push").GetProperty("info_type").GetString());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(receiver.Url.ToString(), listed.GetProperty("components")[0].GetProperty("callback_url").GetString());
        Assert.Equal(["component_verify_ticket", "authorized", "unauthorized"],
            new[] { await receiver.NextAsync(), await receiver.NextAsync(), await receiver.NextAsync() }.Select(r => r.Field("InfoType")));
    }

    [Fact]
    public async Task Components_can_be_added_at_run_time_and_bad_keys_are_refused()
    {
        await using var sim = await SimTestContext.StartAsync();

        await sim.PostJsonAsync("_sim/components", JsonSerializer.Serialize(new
        {
            component_appid = "wx00000000000c0002",
            secret = "s2",
            token = "t2",
            encoding_aes_key = ComponentFlow.EncodingAesKey,
        }));
        using var bad = await sim.Http.PostAsync(
            new Uri("_sim/components", UriKind.Relative),
            new StringContent("""{"component_appid":"wx3","secret":"s","token":"t","encoding_aes_key":"short"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Contains(sim.Sim.Components, c => c.ComponentAppId == "wx00000000000c0002");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Throws<ArgumentException>(() => sim.Sim.AddComponent(new SimulatedComponent("wx4", "s", "t", "short")));
    }

    [Fact]
    public void Options_validation_names_the_bad_component_key()
    {
        var options = new SimulatorOptions();
        options.Components.Add(new SimulatedComponent("wx5", "s", "t", new string('a', 42)));

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("Simulator:Components", error.Message, StringComparison.Ordinal);
        Assert.Contains("EncodingAesKey", error.Message, StringComparison.Ordinal);
    }
}
