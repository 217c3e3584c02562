using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenServer.Tests.Support;
using WeChatSimulator;

namespace TokenServer.Tests;

/// <summary>force_refresh=true on the WeChat-compatible endpoint, from a fleet of SDK clients holding tokens of different ages.</summary>
public sealed class WeChatCompatibleForceRefreshTests
{
    private const string AppA = EngineHarness.AppA;
    private const string SecretA = EngineHarness.SecretA;

    [Theory]
    [InlineData("Stable")]
    [InlineData("Classic")]
    public async Task A_fleet_forcing_after_a_genuine_rejection_gets_one_token_that_WeChat_accepts_and_later_forces_rotate_nothing(string grant)
    {
        await using var center = await CenterAsync(("TokenCenter:Apps:0:Grant", grant));
        var (clock, sim, server, http) = center;

        // Tokens of different ages: the first one, and the one the scheduler replaced it with.
        var first = await FetchAsync(http, server.WebAddress, force: false);
        clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromMinutes(2));
        string? second = null;
        await Eventually.TrueAsync(() => (second = FetchAsync(http, server.WebAddress, force: false).GetAwaiter().GetResult()) != first, "the scheduler replaced the first token");
        clock.Advance(TimeSpan.FromMinutes(3)); // the first one has expired

        // Someone outside the center made WeChat rotate: the center's token is genuinely rejected.
        await OutsiderRotatesAsync(http, sim.BaseAddress, grant);
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.NotEqual(0, await CheckAsync(http, sim.BaseAddress, second!));
        Assert.NotEqual(0, await CheckAsync(http, sim.BaseAddress, first));
        var issuedBefore = sim.Sim.TotalIssuedTokens(AppA);
        string[] fleet = [first, second!, second!, second!, first];

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < fleet.Length; i++)
            {
                if (round > 0 || await CheckAsync(http, sim.BaseAddress, fleet[i]) != 0)
                {
                    fleet[i] = await FetchAsync(http, server.WebAddress, force: true);
                }

                clock.Advance(TimeSpan.FromMilliseconds(700));
            }

            clock.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.InRange(sim.Sim.TotalIssuedTokens(AppA) - issuedBefore, 0, 1);
        Assert.Single(fleet.Distinct());
        Assert.All(fleet, t => Assert.NotEqual(second, t));
        foreach (var token in fleet)
        {
            Assert.Equal(0, await CheckAsync(http, sim.BaseAddress, token));
        }
    }

    [Fact]
    public async Task A_forced_request_while_WeChat_accepts_the_current_token_answers_it_without_rotating()
    {
        await using var center = await CenterAsync();
        var (clock, sim, server, http) = center;
        var current = await FetchAsync(http, server.WebAddress, force: false);
        clock.Advance(TimeSpan.FromMinutes(10));
        var issued = sim.Sim.TotalIssuedTokens(AppA);

        var forced = await FetchAsync(http, server.WebAddress, force: true);
        clock.Advance(TimeSpan.FromSeconds(31));
        var again = await FetchAsync(http, server.WebAddress, force: true);

        Assert.Equal(current, forced);
        Assert.Equal(current, again);
        Assert.Equal(issued, sim.Sim.TotalIssuedTokens(AppA));
        Assert.Equal(0, sim.Sim.Calls(AppA, WeChatSim.StableTokenForceEndpoint));
        Assert.Equal(0, await CheckAsync(http, sim.BaseAddress, current));
    }

    [Fact]
    public async Task A_forced_request_while_WeChat_does_not_answer_the_check_is_answered_system_busy_and_rotates_nothing()
    {
        await using var center = await CenterAsync(("TokenCenter:Upstream:Timeout", "00:00:01"));
        var (clock, sim, server, http) = center;
        var current = await FetchAsync(http, server.WebAddress, force: false);
        clock.Advance(TimeSpan.FromMinutes(10));
        var issued = sim.Sim.TotalIssuedTokens(AppA);

        sim.Sim.Faults.Latency = TimeSpan.FromSeconds(10); // network time: the check's one attempt (1 s) times out
        using var response = await http.PostAsJsonAsync(
            new Uri(server.WebAddress, "cgi-bin/stable_token"),
            new { grant_type = "client_credential", appid = AppA, secret = SecretA, force_refresh = true });
        sim.Sim.Faults.Latency = TimeSpan.Zero;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(-1, json.RootElement.GetProperty("errcode").GetInt32());
        Assert.Equal(issued, sim.Sim.TotalIssuedTokens(AppA));
        Assert.Equal(current, await FetchAsync(http, server.WebAddress, force: false));
    }

    /// <summary>The simulator with app A on a manual clock, and the center serving app A from it with <paramref name="settings"/> on top.</summary>
    private static async Task<Center> CenterAsync(params (string Key, string? Value)[] settings)
    {
        var clock = new ManualClock();
        var options = new SimulatorOptions();
        options.Apps.Add(new SimulatedApp(AppA, SecretA));
        var sim = await SimulatorHost.StartAsync(options, clock);
        var configuration = new Dictionary<string, string?>
        {
            ["TokenCenter:Apps:0:AppId"] = AppA,
            ["TokenCenter:Apps:0:Secret"] = SecretA,
            ["TokenCenter:Upstream:BaseUrl"] = sim.BaseAddress.ToString(),
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        var server = await TestServerHost.StartAsync(configuration, o => o.Clock = clock);
        return new Center(clock, sim, server, new HttpClient());
    }

    private sealed record Center(ManualClock Clock, SimulatorHost Sim, TestServerHost Server, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Server.DisposeAsync();
            await Sim.DisposeAsync();
        }
    }

    private static async Task<string> FetchAsync(HttpClient http, Uri center, bool force)
    {
        using var response = await http.PostAsJsonAsync(
            new Uri(center, "cgi-bin/stable_token"),
            new { grant_type = "client_credential", appid = AppA, secret = SecretA, force_refresh = force });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(json.RootElement.TryGetProperty("errcode", out var errcode), $"the center answered {json.RootElement}");
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>The simulator's validating business API: 0 when WeChat accepts the token, else its errcode.</summary>
    private static async Task<int> CheckAsync(HttpClient http, Uri wechat, string token)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(wechat, $"cgi-bin/get_api_domain_ip?access_token={Uri.EscapeDataString(token)}")));
        return json.RootElement.TryGetProperty("errcode", out var errcode) ? errcode.GetInt32() : 0;
    }

    private static async Task OutsiderRotatesAsync(HttpClient http, Uri wechat, string grant)
    {
        using var response = grant == "Stable"
            ? await http.PostAsJsonAsync(new Uri(wechat, "cgi-bin/stable_token"), new { grant_type = "client_credential", appid = AppA, secret = SecretA, force_refresh = true })
            : await http.GetAsync(new Uri(wechat, $"cgi-bin/token?grant_type=client_credential&appid={AppA}&secret={SecretA}"));
        Assert.Contains("access_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
