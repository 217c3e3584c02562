using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform;
using TokenCenter.V1;
using TokenServer.Platform.Tests.Support;

namespace TokenServer.Platform.Tests;

/// <summary>Issue 14, defect 5: readiness reflects the replica's ability to serve; unhealthy authorizers are counts.</summary>
public sealed class ReadinessTests
{
    private const string Component = PlatformFixture.ComponentAppId;

    [Fact]
    public async Task An_authorizer_that_must_authorize_again_leaves_the_replica_ready_and_is_counted_in_status_readiness_and_metrics()
    {
        await using var host = await PlatformFixture.StartAsync();
        await host.ComponentTokenAsync();
        const string Good = "wx00000000000000a1", Gone = "wx00000000000000a2";
        foreach (var app in new[] { Good, Gone })
        {
            await host.Sim.Push.AuthorizeAsync(Component, app);
            Assert.True(host.Sim.Push.LastPush!.Acknowledged);
        }

        // The account unauthorizes, but the event never arrives: its refresh token now answers 61023.
        host.Sim.Sim.SetComponentCallback(Component, null);
        await host.Sim.Push.UnauthorizeAsync(Component, Gone);
        host.Sim.Sim.SetComponentCallback(Component, host.CallbackUrl);
        var engine = host.Services.GetRequiredService<TokenEngine>();
        var end = host.Clock.GetUtcNow() + TimeSpan.FromHours(2.5);
        while (host.Clock.GetUtcNow() < end)
        {
            host.Clock.Advance(TimeSpan.FromMinutes(1));
            await host.Scheduler.RunOnceAsync(CancellationToken.None);
        }

        // The component token (a configured key) must stay valid past its own lifetime: a ticket keeps it going.
        await host.Sim.Push.PushTicketAsync(Component);
        await engine.RefreshNowAsync(ComponentTokenSource.KeyOf(Component));
        Assert.True(engine.Held(AuthorizerTokenSource.KeyOf(Component, Good))!.IsValidAt(host.Clock.GetUtcNow()));
        Assert.False(engine.Held(AuthorizerTokenSource.KeyOf(Component, Gone))!.IsValidAt(host.Clock.GetUtcNow()));

        using var http = new HttpClient { BaseAddress = host.WebAddress };
        using (var ready = await http.GetAsync(new Uri("readyz", UriKind.Relative)))
        {
            var body = await ready.Content.ReadAsStringAsync();
            Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
            Assert.Contains("1 need re-authorization", body, StringComparison.Ordinal);
        }

        var health = await host.Channel.UnaryAsync(HealthMethods.Check, new global::Grpc.Health.V1.HealthCheckRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(20)));
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        var status = await host.Channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(20)));
        var count = Assert.Single(status.DynamicKeyCounts, c => c.Kind == TokenKind.AuthorizerAccessToken);
        Assert.Equal(Component, count.ComponentAppId);
        Assert.Equal((1, 1, 1), (count.Valid, count.Invalid, count.NeedsReauthorization));

        var metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        Assert.Contains("tokencenter_dynamic_keys{", metrics, StringComparison.Ordinal);
        Assert.Contains("state=\"needs_reauthorization\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(Good, metrics, StringComparison.Ordinal); // no label per authorizer
        Assert.DoesNotContain(Gone, metrics, StringComparison.Ordinal);
    }
}
