using System.Net.Http.Json;
using System.Text.Json;
using TokenCenter.Protocol;
using TokenCenter.V1;
using TokenServer.Tests.Support;
using WeChatSimulator;

namespace TokenServer.Tests.EndToEnd;

/// <summary>
/// The whole path a business service takes, over real loopback HTTP/2: GetToken from TokenServer
/// (gRPC), then a WeChat business call with that token to the simulator's validating API.
/// </summary>
public sealed class BusinessCallsEndToEndTests
{
    private const string AppId = "wx00000000000000e1";
    private const string Secret = "end-to-end-secret-0001";
    private static readonly TokenKey Key = new() { Kind = TokenKind.AccessToken, AppId = AppId };
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("Stable", WeChatSim.StableTokenEndpoint)]
    [InlineData("Classic", WeChatSim.TokenEndpoint)]
    public async Task Business_calls_with_tokens_from_GetToken_never_fail_across_ten_lifetimes_with_a_forced_refresh(string grant, string endpoint)
    {
        var clock = new ManualClock();
        var simOptions = new SimulatorOptions();
        simOptions.Apps.Add(new SimulatedApp(AppId, Secret));
        await using var sim = await SimulatorHost.StartAsync(simOptions, clock);
        await using var server = await TestServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["TokenCenter:Apps:0:AppId"] = AppId,
            ["TokenCenter:Apps:0:Secret"] = Secret,
            ["TokenCenter:Apps:0:Grant"] = grant,
            ["TokenCenter:Upstream:BaseUrl"] = sim.BaseAddress.ToString(),
            ["TokenCenter:Upstream:RetryBaseDelay"] = "00:00:00.001",
        }, o => o.Clock = clock);
        using var http = new HttpClient { BaseAddress = sim.BaseAddress };
        var lifetime = simOptions.TokenLifetime;
        var end = clock.GetUtcNow() + (10 * lifetime);
        var forcedAt = clock.GetUtcNow() + (5 * lifetime) + TimeSpan.FromMinutes(17);
        var forced = false;
        var businessCalls = 0;

        while (clock.GetUtcNow() < end)
        {
            var token = await GetFreshTokenAsync(server.Channel, clock);
            Assert.Equal(0, await BusinessCallAsync(http, token.Value));
            businessCalls++;

            if (!forced && clock.GetUtcNow() >= forcedAt)
            {
                // A business server reports a rejected token: one refresh, and the new token works.
                var refreshed = await server.Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = Key, StaleValue = token.Value }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30)));
                Assert.True(refreshed.Version > token.Version);
                Assert.NotEqual(token.Value, refreshed.Value);
                Assert.Equal(0, await BusinessCallAsync(http, refreshed.Value));
                forced = true;
            }

            clock.Advance(Step);
        }

        Assert.True(forced);
        Assert.Equal(10 * (int)(lifetime / Step), businessCalls);

        // One token per lifetime (startup + 10 proactive refreshes), plus the forced one.
        var issued = sim.Sim.IssuedTokens(AppId, endpoint);
        Assert.True(issued is >= 10 and <= 12, $"{issued} tokens issued for 10 lifetimes and one forced refresh");
    }

    /// <summary>
    /// GetToken; when less than the refresh lead remains, the proactive refresh is due, so wait
    /// (bounded, real time) for it to land rather than racing the background refresher.
    /// </summary>
    private static async Task<Token> GetFreshTokenAsync(GrpcChannel channel, ManualClock clock)
    {
        for (var attempt = 0; ; attempt++)
        {
            var token = await channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = Key }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30)));
            var remaining = token.ExpiresAt.ToDateTimeOffset() - clock.GetUtcNow();
            Assert.True(remaining > TimeSpan.Zero, "a served token is never expired");
            if (remaining >= TimeSpan.FromMinutes(3))
            {
                return token;
            }

            if (attempt == 2000)
            {
                var status = await channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest());
                Assert.Fail($"no proactive refresh with {remaining} left at {clock.GetUtcNow():O} (v{token.Version}); status: {status}");
            }

            await Task.Delay(5);
        }
    }

    private static async Task<int> BusinessCallAsync(HttpClient http, string token)
    {
        using var response = await http.GetAsync($"cgi-bin/get_api_domain_ip?access_token={Uri.EscapeDataString(token)}");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.TryGetProperty("errcode", out var code) ? code.GetInt32() : 0;
    }
}
