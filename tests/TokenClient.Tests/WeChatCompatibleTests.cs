using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using TokenClient.Tests.Infrastructure;

namespace TokenClient.Tests;

public sealed partial class WeChatCompatibleTests
{
    private const string Good = Center.AppId;
    private const string Unknown = "wx00000000000000ff";

    [Fact]
    public async Task Token_endpoints_answer_in_WeChat_shapes_with_the_remaining_lifetime()
    {
        await using var center = await Center.StartAsync();
        using var http = PlainHttp();

        var classic = await GetAsync(http, center.Server.WebAddress, $"grant_type=client_credential&appid={Good}&secret={Center.Secret}");
        var stable = await PostAsync(http, center.Server.WebAddress, new { grant_type = "client_credential", appid = Good, secret = Center.Secret });
        var wechatClassic = await GetAsync(http, center.Sim.BaseAddress, $"grant_type=client_credential&appid={Good}&secret={Center.Secret}");
        var wechatStable = await PostAsync(http, center.Sim.BaseAddress, new { grant_type = "client_credential", appid = Good, secret = Center.Secret });
        center.Clock.Advance(TimeSpan.FromMinutes(10));
        var later = await PostAsync(http, center.Server.WebAddress, new { grant_type = "client_credential", appid = Good, secret = Center.Secret });

        Assert.Equal(Keys(wechatClassic), Keys(classic));
        Assert.Equal(Keys(wechatStable), Keys(stable));
        Assert.Equal(classic.GetProperty("access_token").GetString(), stable.GetProperty("access_token").GetString());
        Assert.InRange(stable.GetProperty("expires_in").GetInt64(), 7000, 7200);
        Assert.Equal(stable.GetProperty("expires_in").GetInt64() - 600, later.GetProperty("expires_in").GetInt64());
    }

    [Theory]
    [InlineData("grant_type=client_credential&appid=" + Good + "&secret=wrong-secret", 40125)]
    [InlineData("grant_type=client_credential&appid=" + Unknown + "&secret=whatever", 40013)]
    [InlineData("grant_type=client_credential&secret=whatever", 41002)]
    [InlineData("grant_type=client_credential&appid=" + Good, 41004)]
    [InlineData("grant_type=password&appid=" + Good + "&secret=whatever", 40002)]
    public async Task Bad_requests_are_answered_as_WeChat_would(string query, int errcode)
    {
        await using var center = await Center.StartAsync();
        using var http = PlainHttp();

        var ours = await GetAsync(http, center.Server.WebAddress, query);
        var wechat = await GetAsync(http, center.Sim.BaseAddress, query);
        var oursStable = await PostAsync(http, center.Server.WebAddress, StableBody(query));
        var wechatStable = await PostAsync(http, center.Sim.BaseAddress, StableBody(query));

        Assert.Equal(errcode, wechat.GetProperty("errcode").GetInt32());
        Assert.Equal(errcode, ours.GetProperty("errcode").GetInt32());
        Assert.Equal(errcode, oursStable.GetProperty("errcode").GetInt32());
        Assert.Equal(wechatStable.GetProperty("errcode").GetInt32(), oursStable.GetProperty("errcode").GetInt32());
        Assert.Equal(Keys(wechat), Keys(ours));
        Assert.Matches(Rid(), ours.GetProperty("errmsg").GetString()!);
        Assert.DoesNotContain(Center.Secret, ours.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stable_token_needs_POST_like_WeChat()
    {
        await using var center = await Center.StartAsync();
        using var http = PlainHttp();

        using var ours = await http.GetAsync(new Uri(center.Server.WebAddress, "cgi-bin/stable_token"));
        using var wechat = await http.GetAsync(new Uri(center.Sim.BaseAddress, "cgi-bin/stable_token"));

        Assert.Equal(43002, await ErrCodeAsync(ours));
        Assert.Equal(43002, await ErrCodeAsync(wechat));
        Assert.Equal(HttpStatusCode.OK, ours.StatusCode);
    }

    [Fact]
    public async Task A_plain_HTTP_1_1_client_gets_the_same_token_as_a_gRPC_client()
    {
        await using var center = await Center.StartAsync();
        await using var client = center.CreateClient();
        using var http = PlainHttp();

        var viaGrpc = await client.Client.GetAccessTokenAsync(Good);
        var viaHttp = await GetAsync(http, center.Server.WebAddress, $"grant_type=client_credential&appid={Good}&secret={Center.Secret}");

        Assert.Equal(viaGrpc, viaHttp.GetProperty("access_token").GetString());
        Assert.Equal(0, center.Sim.Sim.IssuedTokens(Good, WeChatSimulator.WeChatSim.TokenEndpoint)); // never issued a classic token
    }

    [Fact]
    public async Task Force_refresh_of_a_token_WeChat_still_accepts_answers_it_without_rotating()
    {
        await using var center = await Center.StartAsync();
        using var http = PlainHttp();
        var body = new { grant_type = "client_credential", appid = Good, secret = Center.Secret, force_refresh = true };
        var before = await PostAsync(http, center.Server.WebAddress, new { grant_type = "client_credential", appid = Good, secret = Center.Secret });

        var forced = await PostAsync(http, center.Server.WebAddress, body);
        var again = await PostAsync(http, center.Server.WebAddress, body);

        Assert.Equal(before.GetProperty("access_token").GetString(), forced.GetProperty("access_token").GetString());
        Assert.Equal(before.GetProperty("access_token").GetString(), again.GetProperty("access_token").GetString());
        Assert.Equal(0, center.Sim.Sim.Calls(Good, WeChatSimulator.WeChatSim.StableTokenForceEndpoint));
        Assert.Equal(1, center.Sim.Sim.TotalIssuedTokens(Good));
    }

    private static HttpClient PlainHttp() => new() { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private static async Task<JsonElement> GetAsync(HttpClient http, Uri root, string query)
    {
        using var response = await http.GetAsync(new Uri(root, "cgi-bin/token?" + query));
        return await ReadAsync(response);
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, Uri root, object body)
    {
        using var response = await http.PostAsJsonAsync(new Uri(root, "cgi-bin/stable_token"), body);
        return await ReadAsync(response);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    private static async Task<int> ErrCodeAsync(HttpResponseMessage response) => (await ReadAsync(response)).GetProperty("errcode").GetInt32();

    private static Dictionary<string, string?> StableBody(string query) =>
        query.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);

    private static string[] Keys(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@" rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")]
    private static partial Regex Rid();
}
