using System.Net.Http.Json;
using System.Text.Json;
using TokenCenter.Protocol;
using TokenCenter.V1;
using TokenServer.Platform.Tests.Support;

namespace TokenServer.Platform.Tests;

/// <summary>getticket refusing the access token it was given (40001 / 42001).</summary>
public sealed class JsSdkTicketRejectedAccessTokenTests
{
    // A property: the deadline is absolute (now + 20 s), so a static field would expire 20 s after first use.
    private static CallOptions Timeout => CallOptions.WithTimeout(TimeSpan.FromSeconds(20));
    private static readonly TokenKey AccessKey = new() { Kind = TokenKind.AccessToken, AppId = PlatformFixture.AppId };
    private static readonly TokenKey JsapiKey = new() { Kind = TokenKind.JsapiTicket, AppId = PlatformFixture.AppId };

    [Fact]
    public async Task A_ticket_fetched_with_an_access_token_WeChat_rejects_force_refreshes_that_token_once_and_retries()
    {
        await using var host = await PlatformFixture.StartAsync(withApp: true);
        var held = await GetAsync(host, AccessKey);

        // Someone else forces a new stable token: WeChat drops the one TokenCenter holds at once.
        using var http = new HttpClient { BaseAddress = host.Sim.BaseAddress };
        using var forced = await http.PostAsJsonAsync("cgi-bin/stable_token", new Dictionary<string, object>
        {
            ["grant_type"] = "client_credential",
            ["appid"] = PlatformFixture.AppId,
            ["secret"] = PlatformFixture.AppSecret,
            ["force_refresh"] = true,
        });
        var replacement = (await forced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        Assert.NotEqual(held.Value, replacement);

        var ticket = await GetAsync(host, JsapiKey);

        Assert.False(string.IsNullOrEmpty(ticket.Value));
        Assert.True(host.Sim.Sim.IssuedTokens(PlatformFixture.AppId, "ticket_jsapi") >= 1);
        var access = await GetAsync(host, AccessKey);
        Assert.Equal(replacement, access.Value); // compare-and-refresh adopted WeChat's current token
        Assert.True(access.Version > held.Version);
    }

    private static Task<Token> GetAsync(PlatformFixture host, TokenKey key) =>
        host.Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = key }, Timeout);
}
