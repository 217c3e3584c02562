using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.V1;
using TokenServer.Platform.Tests.Support;
using WeChatSimulator;

namespace TokenServer.Platform.Tests;

/// <summary>The whole platform flow against the simulator's push driver, over real HTTP and gRPC.</summary>
public sealed class EndToEndTests
{
    // A property: the deadline is absolute (now + 20 s), so a static field would expire 20 s after first use.
    private static CallOptions Timeout => CallOptions.WithTimeout(TimeSpan.FromSeconds(20));
    private static readonly TokenKey ComponentKey = new() { Kind = TokenKind.ComponentAccessToken, ComponentAppId = PlatformFixture.ComponentAppId };

    private static TokenKey AuthorizerKey(string appId) => new() { Kind = TokenKind.AuthorizerAccessToken, ComponentAppId = PlatformFixture.ComponentAppId, AppId = appId };

    [Fact]
    public async Task Ticket_then_component_token_then_three_authorizers_served_and_one_unauthorized_disappears()
    {
        await using var host = await PlatformFixture.StartAsync();
        var push = host.Sim.Push;

        var pushed = await push.PushTicketAsync(PlatformFixture.ComponentAppId);
        Assert.True(pushed.Acknowledged, $"{pushed.StatusCode} {pushed.Body}");
        Token? component = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                component = await host.Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = ComponentKey }, Timeout);
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false; // the first attempt, before the ticket, is still in its backoff
            }
        }, "the component token");
        Assert.Equal(PlatformFixture.ComponentAppId, host.Sim.Sim.ValidateComponentAccessToken(component!.Value, out _));

        string[] apps = ["wx00000000000000a1", "wx00000000000000a2", "wx00000000000000a3"];
        foreach (var app in apps)
        {
            await push.AuthorizeAsync(PlatformFixture.ComponentAppId, app);
            Assert.True(push.LastPush!.Acknowledged);
        }

        foreach (var app in apps)
        {
            var token = await host.Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = AuthorizerKey(app) }, Timeout);
            Assert.Equal(app, host.Sim.Sim.ValidateAccessToken(token.Value, out var errcode));
            Assert.Equal(0, errcode);
        }

        var list = await host.Channel.UnaryAsync(TokenCenterMethods.ListAuthorizers, new ListAuthorizersRequest { ComponentAppId = PlatformFixture.ComponentAppId, PageSize = 2 }, Timeout);
        Assert.Equal(["wx00000000000000a1", "wx00000000000000a2"], list.Authorizers.Select(a => a.AppId));
        Assert.All(list.Authorizers, a => Assert.True(a.HasValidToken));
        var rest = await host.Channel.UnaryAsync(TokenCenterMethods.ListAuthorizers, new ListAuthorizersRequest { ComponentAppId = PlatformFixture.ComponentAppId, PageSize = 2, PageToken = list.NextPageToken }, Timeout);
        Assert.Equal(["wx00000000000000a3"], rest.Authorizers.Select(a => a.AppId));
        Assert.Empty(rest.NextPageToken);

        var unauthorized = await push.UnauthorizeAsync(PlatformFixture.ComponentAppId, apps[1]);
        Assert.True(unauthorized.Acknowledged);
        var gone = await Assert.ThrowsAsync<RpcException>(() => host.Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = AuthorizerKey(apps[1]) }, Timeout));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        await host.Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = AuthorizerKey(apps[0]) }, Timeout);

        var status = await host.Channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), Timeout);
        Assert.Contains(status.Keys, k => k.Key.Kind == TokenKind.ComponentAccessToken && k.HasValidToken && k.State.StartsWith("ticket received", StringComparison.Ordinal));
        Assert.Equal(2, status.Keys.Count(k => k.Key.Kind == TokenKind.AuthorizerAccessToken && k.HasValidToken));

        var preAuth = await host.Channel.UnaryAsync(TokenCenterMethods.CreatePreAuthCode, new CreatePreAuthCodeRequest { ComponentAppId = PlatformFixture.ComponentAppId, RedirectUri = "https://example.com/done" }, Timeout);
        Assert.NotEmpty(preAuth.PreAuthCode);
        Assert.Contains("pre_auth_code=" + Uri.EscapeDataString(preAuth.PreAuthCode), preAuth.AuthorizationUrl, StringComparison.Ordinal);
        await push.AuthorizeAsync(PlatformFixture.ComponentAppId, "wx00000000000000a4", preAuth.PreAuthCode);
        Assert.True(push.LastPush!.Acknowledged);
        await host.Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = AuthorizerKey("wx00000000000000a4") }, Timeout);
    }

    [Fact]
    public async Task Without_a_ticket_the_component_token_waits_and_status_says_so_then_a_pushed_ticket_unblocks_it()
    {
        await using var host = await PlatformFixture.StartAsync();
        host.Sim.Sim.SetComponentCallback(PlatformFixture.ComponentAppId, null); // WeChat's pushes get lost

        await Eventually.TrueAsync(async () =>
        {
            var status = await host.Channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), Timeout);
            return status.Keys.Any(k => k.Key.Kind == TokenKind.ComponentAccessToken && k.State.StartsWith("waiting for component_verify_ticket", StringComparison.Ordinal));
        }, "the waiting state");
        Assert.True(host.Sim.Sim.Calls(PlatformFixture.ComponentAppId, WeChatSim.StartPushTicketEndpoint) >= 1);
        Assert.Equal(0, host.Sim.Sim.Calls(PlatformFixture.ComponentAppId, WeChatSim.ComponentTokenEndpoint));
        var error = await Assert.ThrowsAsync<RpcException>(() => host.Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = ComponentKey }, Timeout));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);

        host.Sim.Sim.SetComponentCallback(PlatformFixture.ComponentAppId, host.CallbackUrl);
        Assert.True((await host.Sim.Push.PushTicketAsync(PlatformFixture.ComponentAppId)).Acknowledged);
        await Eventually.TrueAsync(async () =>
        {
            var status = await host.Channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), Timeout);
            return status.Keys.Any(k => k.Key.Kind == TokenKind.ComponentAccessToken && k.HasValidToken);
        }, "the component token");
        Assert.Equal(1, host.Sim.Sim.Calls(PlatformFixture.ComponentAppId, WeChatSim.ComponentTokenEndpoint));
    }

    [Fact]
    public async Task A_ticket_arriving_while_a_refresh_waits_does_not_replace_the_valid_token_another_replica_stored_meanwhile()
    {
        await using var host = await PlatformFixture.StartAsync(decorate: s => s.Decorate<IPlatformClient>(c => new PushHoldingPlatformClient(c)), captureLogs: true);
        var client = (PushHoldingPlatformClient)host.Services.GetRequiredService<IPlatformClient>();
        var key = ComponentTokenSource.KeyOf(PlatformFixture.ComponentAppId);
        var engine = host.Services.GetRequiredService<TokenEngine>();

        // The startup refresh found no ticket and its api_start_push_ticket is slow: it stays in flight.
        await client.PushHeld.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True((await host.Sim.Push.PushTicketAsync(PlatformFixture.ComponentAppId)).Acknowledged); // the ticket's refresh joins it

        // Meanwhile another replica obtained a token with that ticket and stored it; this replica adopts it.
        var store = host.Services.GetRequiredService<ITokenStore>();
        var now = host.Clock.GetUtcNow();
        var other = new StoredToken("component-token-of-another-replica", now + TimeSpan.FromHours(2), now, await store.NextVersionAsync(key, CancellationToken.None));
        Assert.True(await store.TryWriteAsync(key, other, CancellationToken.None));
        await Eventually.TrueAsync(() => Task.FromResult(engine.Held(key)?.Value == other.Value), "the stored token adopted");

        // The refresh in flight fails (it read no ticket); the ticket's second attempt must keep the valid token.
        client.Release();
        await Eventually.TrueAsync(
            () => Task.FromResult(host.Server.Logs.AllText.Contains("after the ticket arrived", StringComparison.Ordinal)),
            "the ticket's refresh ended");
        Assert.Contains($"after the ticket arrived: fingerprint {TokenFingerprint.Of(other.Value)} (attempt 2)", host.Server.Logs.AllText, StringComparison.Ordinal);
        Assert.Equal(0, client.ComponentTokenCalls);
        Assert.Equal(0, host.Sim.Sim.Calls(PlatformFixture.ComponentAppId, WeChatSim.ComponentTokenEndpoint));
        Assert.Equal(other.Value, (await host.GetTokenAsync(ComponentKey)).Value);
    }

    [Fact]
    public async Task Bad_signature_stale_timestamp_oversized_and_dtd_callbacks_are_refused_and_store_nothing_and_a_replay_is_acknowledged()
    {
        await using var host = await PlatformFixture.StartAsync(previousKey: CryptoTests.OtherKey);
        using var http = new HttpClient();
        var tickets = host.Services.GetRequiredService<IComponentTicketStore>();
        var created = host.Clock.GetUtcNow().ToUnixTimeSeconds() + 60;
        var ticketXml = $"<xml><AppId>{PlatformFixture.ComponentAppId}</AppId><CreateTime>{created}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>T1</ComponentVerifyTicket></xml>";
        var crypto = new WeChatMessageCrypto(CryptoTests.Key);

        async Task<HttpStatusCode> Post(WeChatEncryptedMessage m, string? signature = null, string? body = null)
        {
            var query = $"timestamp={m.Timestamp}&nonce={m.Nonce}&encrypt_type=aes&msg_signature={signature ?? m.MsgSignature}";
            using var content = new StringContent(body ?? m.Body, Encoding.UTF8, "text/xml");
            using var response = await http.PostAsync(new Uri(host.CallbackUrl + "?" + query), content);
            return response.StatusCode;
        }

        var now = host.Clock.GetUtcNow();
        var good = crypto.Seal(ticketXml, PlatformFixture.ComponentAppId, PlatformFixture.VerifyToken, now, "1001");
        Assert.Equal(HttpStatusCode.Unauthorized, await Post(good, signature: new string('0', 40)));
        Assert.Equal(HttpStatusCode.Unauthorized, await Post(crypto.Seal(ticketXml, PlatformFixture.ComponentAppId, "wrong-token", now, "1002")));
        Assert.Equal(HttpStatusCode.Forbidden, await Post(crypto.Seal(ticketXml, PlatformFixture.ComponentAppId, PlatformFixture.VerifyToken, now - TimeSpan.FromMinutes(6), "1003")));
        Assert.Equal(HttpStatusCode.Forbidden, await Post(crypto.Seal(ticketXml, "wx00000000000000c9", PlatformFixture.VerifyToken, now, "1004")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await Post(good, body: "<xml><Encrypt>" + new string('A', 70_000) + "</Encrypt></xml>"));
        var laughs = "<!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><xml><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>&c;</ComponentVerifyTicket></xml>";
        Assert.Equal(HttpStatusCode.BadRequest, await Post(crypto.Seal(laughs, PlatformFixture.ComponentAppId, PlatformFixture.VerifyToken, now, "1005")));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(good, body: "<!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&x;</Encrypt></xml>"));
        Assert.NotEqual("T1", (await tickets.GetAsync(PlatformFixture.ComponentAppId, default))?.Value);

        Assert.Equal(HttpStatusCode.OK, await Post(good));
        Assert.Equal("T1", (await tickets.GetAsync(PlatformFixture.ComponentAppId, default))?.Value);
        Assert.Equal(HttpStatusCode.OK, await Post(good)); // replay of a handled message: acknowledged, not handled again

        // Rotation: a message sealed with the previous EncodingAESKey is still accepted.
        var previous = new WeChatMessageCrypto(CryptoTests.OtherKey).Seal(ticketXml.Replace("T1", "T2", StringComparison.Ordinal).Replace($"<CreateTime>{created}<", $"<CreateTime>{created + 1}<", StringComparison.Ordinal), PlatformFixture.ComponentAppId, PlatformFixture.VerifyToken, now, "1006");
        Assert.Equal(HttpStatusCode.OK, await Post(previous));
        Assert.Equal("T2", (await tickets.GetAsync(PlatformFixture.ComponentAppId, default))?.Value);
    }
}
