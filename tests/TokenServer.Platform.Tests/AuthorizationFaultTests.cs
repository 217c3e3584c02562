using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.V1;
using TokenServer.Platform.Tests.Support;
using WeChatSimulator;

namespace TokenServer.Platform.Tests;

/// <summary>
/// Issue 14: no authorization is ever lost. Faults at the WeChat boundary (the simulator) and in the store (a
/// decorator failing writes), and a refresh held between WeChat's answer and its write (a gated client).
/// </summary>
public sealed class AuthorizationFaultTests
{
    private const string Component = PlatformFixture.ComponentAppId;
    private const string App = "wx00000000000000a1";
    private static readonly TokenSlotKey Key = AuthorizerTokenSource.KeyOf(Component, App);

    [Fact]
    public async Task An_authorization_whose_api_query_auth_fails_is_not_acknowledged_and_its_redelivery_with_the_same_nonce_is_redeemed()
    {
        await using var host = await PlatformFixture.StartAsync();
        await host.ComponentTokenAsync();

        host.Sim.Sim.Faults.QueryAuthErrors[Component] = -1; // system busy: the code stays unused
        await host.Sim.Push.AuthorizeAsync(Component, App);
        var first = host.Sim.Push.LastPush!;
        Assert.False(first.Acknowledged, "an authorization that was not redeemed must not be acknowledged");
        Assert.Equal(503, first.StatusCode);
        Assert.Null(await host.Services.GetRequiredService<IAuthorizerStore>().GetAsync(Component, App, default));

        host.Sim.Sim.Faults.QueryAuthErrors.Clear();
        var again = await host.Sim.Push.RedeliverAsync(first); // WeChat's retry: same timestamp, nonce and signature
        Assert.True(again.Acknowledged, $"{again.StatusCode} {again.Body}");
        var token = await host.GetTokenAsync(PlatformFixture.AuthorizerKey(App));
        Assert.Equal(App, host.Sim.Sim.ValidateAccessToken(token.Value, out var errcode));
        Assert.Equal(0, errcode);

        // Once handled, the same message delivered again (WeChat got our answer late) is acknowledged and not redeemed again.
        var redeemed = host.Sim.Sim.Calls(Component, WeChatSim.QueryAuthEndpoint);
        var late = await host.Sim.Push.RedeliverAsync(first);
        Assert.True(late.Acknowledged, $"{late.StatusCode} {late.Body}");
        Assert.Equal(redeemed, host.Sim.Sim.Calls(Component, WeChatSim.QueryAuthEndpoint));
    }

    [Fact]
    public async Task An_authorization_whose_handling_fails_unexpectedly_is_not_acknowledged_and_its_redelivery_is_redeemed_not_refused_as_being_handled()
    {
        GatedPlatformClient? gated = null;
        await using var host = await PlatformFixture.StartAsync(decorate: s => s.Decorate<IPlatformClient>(c => gated = new GatedPlatformClient(c)));
        await host.ComponentTokenAsync();

        gated!.QueryAuthFailure = new InvalidOperationException("a failure nobody foresaw");
        await host.Sim.Push.AuthorizeAsync(Component, App);
        var first = host.Sim.Push.LastPush!;
        Assert.Equal(500, first.StatusCode);

        var again = await host.Sim.Push.RedeliverAsync(first); // WeChat's retry: same timestamp, nonce and signature
        Assert.True(again.Acknowledged, $"{again.StatusCode} {again.Body}");
        var token = await host.GetTokenAsync(PlatformFixture.AuthorizerKey(App));
        Assert.Equal(App, host.Sim.Sim.ValidateAccessToken(token.Value, out var errcode));
        Assert.Equal(0, errcode);
    }

    [Fact]
    public async Task An_unauthorized_push_replayed_with_an_upper_cased_msg_signature_is_acknowledged_without_effect_and_the_reauthorized_account_stays()
    {
        await using var host = await PlatformFixture.StartAsync();
        await host.ComponentTokenAsync();
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        var unauthorized = await host.Sim.Push.UnauthorizeAsync(Component, App);
        Assert.True(unauthorized.Acknowledged);
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);

        var message = unauthorized.Message!;
        // Seen and handled: answered success (a late redelivery or a replay), never handled again, whatever the case of the signature.
        Assert.Equal(HttpStatusCode.OK, await PostAsync(host.CallbackUrl, message, message.MsgSignature));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(host.CallbackUrl, message, message.MsgSignature.ToUpperInvariant()));
        var mixed = string.Concat(message.MsgSignature.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(host.CallbackUrl, message, mixed));

        Assert.NotNull(await host.Services.GetRequiredService<IAuthorizerStore>().GetAsync(Component, App, default));
        var token = await host.GetTokenAsync(PlatformFixture.AuthorizerKey(App));
        Assert.Equal(App, host.Sim.Sim.ValidateAccessToken(token.Value, out _));
    }

    [Fact]
    public async Task A_reauthorization_during_a_refresh_keeps_the_new_refresh_token_so_later_refreshes_succeed()
    {
        GatedPlatformClient? gated = null;
        await using var host = await PlatformFixture.StartAsync(
            simulator: o => o.RotateRefreshTokens = true,
            decorate: s => s.Decorate<IPlatformClient>(c => gated = new GatedPlatformClient(c)));
        await host.ComponentTokenAsync();
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        var engine = host.Services.GetRequiredService<TokenEngine>();

        gated!.Hold();
        var refresh = engine.RefreshNowAsync(Key);
        await gated.Answered.Task.WaitAsync(TimeSpan.FromSeconds(20)); // WeChat rotated the refresh token
        var reauthorization = host.Sim.Push.UpdateAuthorizedAsync(Component, App); // api_query_auth rotates it again
        await Task.WhenAny(reauthorization, Task.Delay(TimeSpan.FromSeconds(1)));
        gated.Release();
        await refresh;
        await reauthorization;
        await AcknowledgedAsync(host, host.Sim.Push.LastPush!);

        for (var i = 0; i < 2; i++)
        {
            var state = await engine.RefreshNowAsync(Key);
            Assert.Equal(App, host.Sim.Sim.ValidateAccessToken(state.Token.Value, out _));
        }

        var record = await host.Services.GetRequiredService<IAuthorizerStore>().GetAsync(Component, App, default);
        Assert.False(record!.NeedsReauthorization);
    }

    [Fact]
    public async Task An_unauthorization_during_a_refresh_leaves_no_ghost_record()
    {
        GatedPlatformClient? gated = null;
        await using var host = await PlatformFixture.StartAsync(
            simulator: o => o.RotateRefreshTokens = true,
            decorate: s => s.Decorate<IPlatformClient>(c => gated = new GatedPlatformClient(c)));
        await host.ComponentTokenAsync();
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        var engine = host.Services.GetRequiredService<TokenEngine>();
        var store = host.Services.GetRequiredService<IAuthorizerStore>();

        gated!.Hold();
        var refresh = engine.RefreshNowAsync(Key);
        await gated.Answered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var unauthorization = host.Sim.Push.UnauthorizeAsync(Component, App);
        await Task.WhenAny(unauthorization, Task.Delay(TimeSpan.FromSeconds(1)));
        gated.Release();
        try
        {
            await refresh;
        }
        catch (Exception e) when (e is TokenUnavailableException or UpstreamUnavailableException)
        {
            // The refresh may lose to the removal; what matters is what stays stored.
        }

        await AcknowledgedAsync(host, await unauthorization);

        Assert.Null(await store.GetAsync(Component, App, default));
        Assert.Empty(await store.ListAsync(Component, null, 10, default));
        var gone = await Assert.ThrowsAsync<RpcException>(() => host.GetTokenAsync(PlatformFixture.AuthorizerKey(App)));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_rotated_refresh_token_whose_write_fails_is_kept_used_and_written_back_never_the_rotated_away_one()
    {
        FlakyAuthorizerStore? flaky = null;
        await using var host = await PlatformFixture.StartAsync(
            simulator: o => o.RotateRefreshTokens = true,
            decorate: s => s.Decorate<IAuthorizerStore>(a => flaky = new FlakyAuthorizerStore(a)));
        await host.ComponentTokenAsync();
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        var engine = host.Services.GetRequiredService<TokenEngine>();
        var source = host.Services.GetRequiredService<AuthorizerTokenSource>();

        flaky!.FailWrites = true;
        var first = await engine.RefreshNowAsync(Key); // WeChat rotated the refresh token; the write fails
        Assert.Equal(App, host.Sim.Sim.ValidateAccessToken(first.Token.Value, out _));
        var second = await engine.RefreshNowAsync(Key); // still failing: the token held in memory is used
        Assert.Equal(App, host.Sim.Sim.ValidateAccessToken(second.Token.Value, out _));
        Assert.Equal(1, source.PendingCount);

        flaky.FailWrites = false;
        await host.Scheduler.RunOnceAsync(CancellationToken.None); // written back
        Assert.Equal(0, source.PendingCount);

        var third = await engine.RefreshNowAsync(Key); // from the stored record now
        Assert.Equal(App, host.Sim.Sim.ValidateAccessToken(third.Token.Value, out _));
        var record = await host.Services.GetRequiredService<IAuthorizerStore>().GetAsync(Component, App, default);
        Assert.False(record!.NeedsReauthorization);
        Assert.Equal(3, host.Sim.Sim.IssuedTokens(App, WeChatSim.AuthorizerTokenEndpoint));
    }

    [Fact]
    public async Task A_component_token_replaced_elsewhere_is_refreshed_once_and_api_authorizer_token_and_api_query_auth_succeed()
    {
        await using var host = await PlatformFixture.StartAsync();
        await host.ComponentTokenAsync();
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        var engine = host.Services.GetRequiredService<TokenEngine>();

        await ReplaceComponentTokenElsewhereAsync(host);
        var state = await engine.RefreshNowAsync(Key);
        Assert.Equal(App, host.Sim.Sim.ValidateAccessToken(state.Token.Value, out _));
        Assert.Equal(3, host.Sim.Sim.IssuedTokens(Component, WeChatSim.ComponentTokenEndpoint)); // ours, the other system's, one forced

        await ReplaceComponentTokenElsewhereAsync(host);
        const string Second = "wx00000000000000a2";
        await host.Sim.Push.AuthorizeAsync(Component, Second);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        var token = await host.GetTokenAsync(PlatformFixture.AuthorizerKey(Second));
        Assert.Equal(Second, host.Sim.Sim.ValidateAccessToken(token.Value, out _));
        Assert.Equal(5, host.Sim.Sim.IssuedTokens(Component, WeChatSim.ComponentTokenEndpoint));
    }

    [Fact]
    public async Task Authorizers_missing_from_the_due_set_are_rescheduled_from_their_records_and_refreshed_before_expiry()
    {
        await using var host = await PlatformFixture.StartAsync();
        await host.ComponentTokenAsync();
        string[] apps = ["wx00000000000000a1", "wx00000000000000a2", "wx00000000000000a3"];
        foreach (var app in apps)
        {
            await host.Sim.Push.AuthorizeAsync(Component, app);
            Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        }

        var store = host.Services.GetRequiredService<IAuthorizerStore>();
        foreach (var app in apps)
        {
            await store.UnscheduleAsync(new AuthorizerId(Component, app), default); // the schedule is wiped
        }

        var engine = host.Services.GetRequiredService<TokenEngine>();
        var end = host.Clock.GetUtcNow() + TimeSpan.FromHours(4);
        while (host.Clock.GetUtcNow() < end)
        {
            host.Clock.Advance(TimeSpan.FromMinutes(1));
            await host.Scheduler.RunOnceAsync(CancellationToken.None);
            foreach (var app in apps)
            {
                Assert.True(engine.Held(AuthorizerTokenSource.KeyOf(Component, app))!.IsValidAt(host.Clock.GetUtcNow()), $"{app} expired at {host.Clock.GetUtcNow():o}");
            }
        }

        Assert.All(apps, app => Assert.Equal(2, host.Sim.Sim.IssuedTokens(app, WeChatSim.AuthorizerTokenEndpoint)));
    }

    [Fact]
    public async Task An_authorizer_token_obtained_while_the_store_write_failed_is_written_back_when_reconciling()
    {
        FlakyTokenStore? flaky = null;
        await using var host = await PlatformFixture.StartAsync(decorate: s => s.Decorate<ITokenStore>(t => flaky = new FlakyTokenStore(t)));
        await host.ComponentTokenAsync();
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        var engine = host.Services.GetRequiredService<TokenEngine>();

        flaky!.FailWrites = true;
        var state = await engine.RefreshNowAsync(Key); // served from memory
        flaky.FailWrites = false;
        Assert.NotEqual(state.Token.Value, (await flaky.GetAsync(Key, default))!.Value);

        Assert.Equal(1, await engine.ReconcileAsync(CancellationToken.None)); // what the store's ReconcileNeeded runs
        Assert.Equal(state.Token.Value, (await flaky.GetAsync(Key, default))!.Value);
        Assert.Equal(0, await engine.ReconcileAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_authorizer_removed_while_this_replica_missed_the_event_stops_being_served_at_the_next_schedule_check()
    {
        FlakyAuthorizerStore? flaky = null;
        await using var host = await PlatformFixture.StartAsync(
            decorate: s => s.Decorate<IAuthorizerStore>(a => flaky = new FlakyAuthorizerStore(a)),
            settings: new Dictionary<string, string?> { ["TokenCenter:Platform:RescheduleInterval"] = "00:05:00" });
        await host.ComponentTokenAsync();
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        await host.Scheduler.RunOnceAsync(CancellationToken.None);

        flaky!.DropRemovedEvents = true;
        Assert.True(await flaky.RemoveAsync(Component, App, default)); // another replica handled "unauthorized"; the announcement is lost here
        await host.GetTokenAsync(PlatformFixture.AuthorizerKey(App)); // still held here

        host.Clock.Advance(TimeSpan.FromMinutes(6));
        await host.Scheduler.RunOnceAsync(CancellationToken.None);
        var gone = await Assert.ThrowsAsync<RpcException>(() => host.GetTokenAsync(PlatformFixture.AuthorizerKey(App)));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task When_WeChat_answers_the_token_already_held_the_scheduler_does_not_ask_again_every_pass()
    {
        GatedPlatformClient? gated = null;
        // A 15 + 15 min window (not the default 3 + 4): 9 minutes of passes stay well before expiry.
        var window = new Dictionary<string, string?> { ["TokenCenter:Platform:AuthorizerAhead"] = "00:15:00", ["TokenCenter:Platform:AuthorizerJitter"] = "00:15:00" };
        await using var host = await PlatformFixture.StartAsync(decorate: s => s.Decorate<IPlatformClient>(c => gated = new GatedPlatformClient(c)), settings: window);
        await host.ComponentTokenAsync();
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        var held = host.Services.GetRequiredService<TokenEngine>().Held(Key)!;
        gated!.SameToken = (held.Value, held.ExpiresAt, host.Clock);

        host.Clock.Advance(held.ExpiresAt - TimeSpan.FromMinutes(14) - host.Clock.GetUtcNow()); // past its due time (15 + up to 15 min ahead)
        for (var second = 0; second < 540; second++)
        {
            host.Clock.Advance(TimeSpan.FromSeconds(1));
            await host.Scheduler.RunOnceAsync(CancellationToken.None);
        }

        Assert.True(gated.RefreshCalls is >= 1 and <= 3, string.Join(", ", gated.CallTimes.Select(t => (t - held.ExpiresAt).ToString()))); // 9 minutes of passes: at most every 5 minutes (RetryMaxDelay), not every second
    }

    [Fact]
    public async Task ListAuthorizers_with_a_page_token_past_the_end_answers_an_empty_page()
    {
        await using var host = await PlatformFixture.StartAsync();
        await host.ComponentTokenAsync();
        await host.Sim.Push.AuthorizeAsync(Component, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);

        var reply = await host.Channel.UnaryAsync(
            TokenCenterMethods.ListAuthorizers,
            new ListAuthorizersRequest { ComponentAppId = Component, PageSize = 10, PageToken = "wx" + new string('f', 16) },
            CallOptions.WithTimeout(TimeSpan.FromSeconds(20)));
        Assert.Empty(reply.Authorizers);
        Assert.Empty(reply.NextPageToken);
        Assert.Empty(await new InMemoryAuthorizerStore().ListAsync(Component, App, 10, default));
    }

    /// <summary>Another system fetches a component token with the same appsecret, and the old one's grace ends.</summary>
    private static async Task ReplaceComponentTokenElsewhereAsync(PlatformFixture host)
    {
        using var http = new HttpClient { BaseAddress = host.Sim.BaseAddress };
        using var response = await http.PostAsJsonAsync("cgi-bin/component/api_component_token", new Dictionary<string, string>
        {
            ["component_appid"] = Component,
            ["component_appsecret"] = PlatformFixture.ComponentSecret,
            ["component_verify_ticket"] = host.Sim.Sim.LatestVerifyTicket(Component)!,
        });
        Assert.Contains("component_access_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        host.Clock.Advance(host.Sim.Sim.Options.OldTokenGrace + TimeSpan.FromSeconds(1));
    }

    /// <summary>The push acknowledged, after WeChat's redeliveries if the first answer was not success.</summary>
    private static async Task AcknowledgedAsync(PlatformFixture host, PushResult push)
    {
        for (var attempt = 0; attempt < 5 && !push.Acknowledged; attempt++)
        {
            push = await host.Sim.Push.RedeliverAsync(push);
        }

        Assert.True(push.Acknowledged, $"{push.StatusCode} {push.Body}");
    }

    private static async Task<HttpStatusCode> PostAsync(Uri callback, WeChatEncryptedMessage message, string signature)
    {
        using var http = new HttpClient();
        var query = $"timestamp={message.Timestamp}&nonce={message.Nonce}&encrypt_type=aes&msg_signature={signature}";
        using var content = new StringContent(message.Body, Encoding.UTF8, "text/xml");
        using var response = await http.PostAsync(new Uri(callback + "?" + query), content);
        return response.StatusCode;
    }
}
