using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenCenter.Protocol;
using TokenCenter.Server.Tickets;
using TokenCenter.V1;
using TokenServer.Platform.Tests.Support;

namespace TokenServer.Platform.Tests;

/// <summary>JSAPI_TICKET and WX_CARD_TICKET of a direct app and of an authorizer, against the simulator's getticket.</summary>
public sealed class JsSdkTicketTests
{
    // A property: the deadline is absolute (now + 20 s), so a static field would expire 20 s after first use.
    private static CallOptions Timeout => CallOptions.WithTimeout(TimeSpan.FromSeconds(20));
    private static readonly TokenKey AccessKey = new() { Kind = TokenKind.AccessToken, AppId = PlatformFixture.AppId };
    private static readonly TokenKey JsapiKey = new() { Kind = TokenKind.JsapiTicket, AppId = PlatformFixture.AppId };
    private static readonly TokenKey CardKey = new() { Kind = TokenKind.WxCardTicket, AppId = PlatformFixture.AppId };

    [Fact]
    public async Task An_apps_tickets_are_cached_listed_watched_refetched_after_a_forced_access_token_and_refreshed_ahead_of_expiry()
    {
        await using var host = await PlatformFixture.StartAsync(withApp: true);
        var sim = host.Sim.Sim;
        int Issued(string type) => sim.IssuedTokens(PlatformFixture.AppId, "ticket_" + type);

        var jsapi = await GetAsync(host, JsapiKey);
        Assert.Equal(jsapi.Value, (await GetAsync(host, JsapiKey)).Value);
        var card = await GetAsync(host, CardKey);
        Assert.NotEqual(jsapi.Value, card.Value);
        Assert.Equal((1, 1), (Issued("jsapi"), Issued("wx_card"))); // cached: one getticket per kind

        var status = await host.Channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), Timeout);
        Assert.Contains(status.Keys, k => k.Key.Equals(JsapiKey) && k.HasValidToken);
        Assert.Contains(status.Keys, k => k.Key.Equals(CardKey) && k.HasValidToken);
        using (var watch = host.Channel.ServerStreaming(TokenCenterMethods.WatchTokens, new WatchTokensRequest { Keys = { JsapiKey } }, Timeout))
        {
            var first = watch.ReadAllAsync().GetAsyncEnumerator();
            Assert.True(await first.MoveNextAsync());
            Assert.Equal(jsapi.Value, first.Current.Value);
        }

        // The access token was rejected and force-refreshed: both tickets are fetched again with the new one.
        var access = await GetAsync(host, AccessKey);
        var forced = await host.Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = AccessKey, StaleValue = access.Value }, Timeout);
        Assert.NotEqual(access.Value, forced.Value);
        await Eventually.TrueAsync(async () => Issued("jsapi") == 2 && Issued("wx_card") == 2
            && (await GetAsync(host, JsapiKey)).Value != jsapi.Value && (await GetAsync(host, CardKey)).Value != card.Value, "both tickets refetched");

        // Ahead of expiry: the refresher fetches new tickets while the old ones are still valid.
        var held = await GetAsync(host, JsapiKey);
        host.Clock.Advance(held.ExpiresAt.ToDateTimeOffset() - host.Clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        var refresher = host.Services.GetServices<IHostedService>().OfType<JsSdkTicketRefresher>().Single();
        await Eventually.TrueAsync(async () =>
        {
            await refresher.RunOnceAsync();
            return Issued("jsapi") == 3 && Issued("wx_card") == 3 && (await GetAsync(host, JsapiKey)).Value != held.Value;
        }, "both tickets refreshed ahead of expiry");
    }

    [Fact]
    public async Task An_authorizers_ticket_uses_its_authorizer_token_and_disappears_with_it()
    {
        await using var host = await PlatformFixture.StartAsync();
        const string App = "wx00000000000000a7";
        Assert.True((await host.Sim.Push.PushTicketAsync(PlatformFixture.ComponentAppId)).Acknowledged);
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await GetAsync(host, new TokenKey { Kind = TokenKind.ComponentAccessToken, ComponentAppId = PlatformFixture.ComponentAppId });
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false; // the first attempt, before the ticket, is still in its backoff
            }
        }, "the component token");
        await host.Sim.Push.AuthorizeAsync(PlatformFixture.ComponentAppId, App);
        Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        var key = new TokenKey { Kind = TokenKind.JsapiTicket, ComponentAppId = PlatformFixture.ComponentAppId, AppId = App };

        var ticket = await GetAsync(host, key);
        Assert.NotEmpty(ticket.Value);
        Assert.Equal(1, host.Sim.Sim.IssuedTokens(App, "ticket_jsapi"));

        var unknown = await Assert.ThrowsAsync<RpcException>(() => GetAsync(host, new TokenKey { Kind = TokenKind.JsapiTicket, ComponentAppId = PlatformFixture.ComponentAppId, AppId = "wx00000000000000a8" }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var malformed = await Assert.ThrowsAsync<RpcException>(() => GetAsync(host, new TokenKey { Kind = TokenKind.WxCardTicket, ComponentAppId = "nope", AppId = App }));
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);

        Assert.True((await host.Sim.Push.UnauthorizeAsync(PlatformFixture.ComponentAppId, App)).Acknowledged);
        var gone = await Assert.ThrowsAsync<RpcException>(() => GetAsync(host, key));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    private static Task<Token> GetAsync(PlatformFixture host, TokenKey key) =>
        host.Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = key }, Timeout);
}
