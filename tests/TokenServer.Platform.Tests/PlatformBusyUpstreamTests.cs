using TokenCenter.V1;
using TokenServer.Platform.Tests.Support;
using WeChatSimulator;

namespace TokenServer.Platform.Tests;

/// <summary>The platform's WeChat calls through the one pipeline against the simulator answering -1 (system busy) to many calls.</summary>
public sealed class PlatformBusyUpstreamTests
{
    private static CallOptions Timeout => CallOptions.WithTimeout(TimeSpan.FromSeconds(20));

    [Fact]
    public async Task Component_and_authorizer_tokens_are_obtained_while_WeChat_answers_system_busy_to_most_calls()
    {
        await using var host = await PlatformFixture.StartAsync(settings: new Dictionary<string, string?>
        {
            ["TokenCenter:Upstream:MaxRetries"] = "10",
            ["TokenCenter:Upstream:RetryBaseDelay"] = "00:00:00",
        });
        var sim = host.Sim.Sim;
        sim.Faults.Seed = 3; // the first draw is busy
        sim.Faults.BusyShare = 0.6;

        var component = await host.ComponentTokenAsync();
        const string Authorizer = "wx00000000000000e1";
        await host.Sim.Push.AuthorizeAsync(PlatformFixture.ComponentAppId, Authorizer);
        var key = PlatformFixture.AuthorizerKey(Authorizer);
        var first = await host.GetTokenAsync(key);
        host.Clock.Advance(TimeSpan.FromMinutes(1)); // past the forced-refresh minimum interval
        var refreshed = await host.Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = key, StaleValue = first.Value }, Timeout);

        Assert.Equal(PlatformFixture.ComponentAppId, sim.ValidateComponentAccessToken(component.Value, out _));
        Assert.NotEqual(first.Value, refreshed.Value);
        Assert.Equal(Authorizer, sim.ValidateAccessToken(refreshed.Value, out var errcode));
        Assert.Equal(0, errcode);
        Assert.True(
            sim.Calls(PlatformFixture.ComponentAppId, WeChatSim.ComponentTokenEndpoint) > sim.IssuedTokens(PlatformFixture.ComponentAppId, WeChatSim.ComponentTokenEndpoint),
            "a -1 answer of api_component_token was retried");
        Assert.Equal(1, sim.IssuedTokens(Authorizer, WeChatSim.AuthorizerTokenEndpoint));
    }
}
