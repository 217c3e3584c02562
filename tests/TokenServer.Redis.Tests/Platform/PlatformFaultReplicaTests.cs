using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Storage;
using TokenServer.Redis.Tests.Infrastructure;
using WeChatSimulator;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Platform;

/// <summary>Issue 14 over replicas sharing one redis-server: replay by re-casing, redelivery, conditional writes, the shared schedule.</summary>
public sealed class PlatformFaultReplicaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_callback_replayed_with_an_upper_cased_msg_signature_is_the_same_handled_message_on_every_replica()
    {
        await using var cluster = await PlatformCluster.StartAsync(2);
        var now = cluster.Clock.GetUtcNow();
        var xml = $"<xml><AppId>{PlatformCluster.ComponentAppId}</AppId><CreateTime>{now.ToUnixTimeSeconds()}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>T1</ComponentVerifyTicket></xml>";
        var message = new WeChatMessageCrypto(PlatformCluster.EncodingAesKey).Seal(xml, PlatformCluster.ComponentAppId, PlatformCluster.VerifyToken, now, "4712");

        Assert.Equal(HttpStatusCode.OK, await PostAsync(cluster.CallbackUrl(0), message, message.MsgSignature));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(cluster.CallbackUrl(0), message, message.MsgSignature.ToUpperInvariant()));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(cluster.CallbackUrl(1), message, message.MsgSignature.ToUpperInvariant()));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(cluster.CallbackUrl(1), message, message.MsgSignature));
        var shared = cluster.Replicas[0].Services.GetRequiredService<TokenCenter.Server.Platform.Callback.IReplayGuard>();
        Assert.Equal(TokenCenter.Server.Platform.Callback.ReplayVerdict.Handled, await shared.TryRememberAsync(
            PlatformCluster.ComponentAppId, message.Nonce, message.MsgSignature.ToLowerInvariant(), TimeSpan.FromMinutes(5), default));
    }

    [Fact]
    public async Task An_authorization_answered_503_on_one_replica_is_redelivered_to_the_other_and_redeemed()
    {
        await using var cluster = await PlatformCluster.StartAsync(2);
        await cluster.ComponentTokenAsync(index: 0);
        const string App = "wx00000000000000a1";

        cluster.Sim.Sim.Faults.QueryAuthErrors[PlatformCluster.ComponentAppId] = -1;
        await cluster.Sim.Push.AuthorizeAsync(PlatformCluster.ComponentAppId, App);
        var first = cluster.Sim.Push.LastPush!;
        Assert.Equal(503, first.StatusCode);

        cluster.Sim.Sim.Faults.QueryAuthErrors.Clear();
        cluster.CallbackTo(1);
        var again = await cluster.Sim.Push.RedeliverAsync(first); // the nonce was forgotten in Redis
        Assert.True(again.Acknowledged, $"{again.StatusCode} {again.Body}");
        for (var i = 0; i < 2; i++)
        {
            var token = await cluster.GetTokenAsync(i, PlatformCluster.AuthorizerKey(App));
            Assert.Equal(App, cluster.Sim.Sim.ValidateAccessToken(token.Value, out _));
        }

        // Handled now: delivered again to either replica, it is acknowledged and not redeemed again.
        var redeemed = cluster.Sim.Sim.Calls(PlatformCluster.ComponentAppId, WeChatSim.QueryAuthEndpoint);
        cluster.CallbackTo(0);
        var late = await cluster.Sim.Push.RedeliverAsync(first);
        Assert.True(late.Acknowledged, $"{late.StatusCode} {late.Body}");
        Assert.Equal(redeemed, cluster.Sim.Sim.Calls(PlatformCluster.ComponentAppId, WeChatSim.QueryAuthEndpoint));
    }

    [Fact]
    public async Task Conditional_authorizer_writes_refuse_a_re_authorized_or_removed_record_and_leave_no_ghost()
    {
        await using var cluster = await PlatformCluster.StartAsync(1);
        var store = cluster.Replicas[0].Services.GetRequiredService<IAuthorizerStore>();
        const string App = "wx00000000000000a9";
        var at = cluster.Clock.GetUtcNow();
        var first = new AuthorizerRecord(PlatformCluster.ComponentAppId, App, "v1:k1:first", at, false);
        await store.SaveAsync(first, default);

        Assert.False(await store.TrySaveAsync(first with { EncryptedRefreshToken = "v1:k1:stale-rotation" }, "v1:k1:other", default));
        Assert.Equal("v1:k1:first", (await store.GetAsync(PlatformCluster.ComponentAppId, App, default))!.EncryptedRefreshToken);
        Assert.True(await store.TrySaveAsync(first with { EncryptedRefreshToken = "v1:k1:second" }, "v1:k1:first", default));
        Assert.Equal("v1:k1:second", (await store.GetAsync(PlatformCluster.ComponentAppId, App, default))!.EncryptedRefreshToken);

        await store.RemoveAsync(PlatformCluster.ComponentAppId, App, default);
        Assert.False(await store.TrySaveAsync(first with { EncryptedRefreshToken = "v1:k1:third" }, "v1:k1:second", default));
        Assert.Null(await store.GetAsync(PlatformCluster.ComponentAppId, App, default));
        Assert.Empty(await store.ListAsync(PlatformCluster.ComponentAppId, null, 10, default));
        Assert.Empty(await store.ListAsync(PlatformCluster.ComponentAppId, "wx" + new string('f', 16), 10, default));
    }

    [Fact]
    public async Task A_replica_without_the_component_leaves_its_due_entries_alone_and_a_wiped_schedule_is_rebuilt()
    {
        await using var cluster = await PlatformCluster.StartAsync(2, sim =>
        {
            sim.RotateRefreshTokens = true;
            sim.Apps.Add(new SimulatedApp(PlatformCluster.StrangerAppId, PlatformCluster.StrangerSecret));
        });
        await using var stranger = await cluster.StartReplicaWithoutComponentAsync();
        await cluster.ComponentTokenAsync(index: 0);
        var apps = Enumerable.Range(1, 3).Select(i => $"wx{i:x16}").ToArray();
        foreach (var app in apps)
        {
            await cluster.Sim.Push.AuthorizeAsync(PlatformCluster.ComponentAppId, app);
            Assert.True(cluster.Sim.Push.LastPush!.Acknowledged);
        }

        AuthorizerRefreshScheduler SchedulerOf(IServiceProvider services) => services.GetServices<IHostedService>().OfType<AuthorizerRefreshScheduler>().Single();
        var schedulers = new[] { SchedulerOf(stranger.Services) }.Concat(cluster.Replicas.Select(r => SchedulerOf(r.Services))).ToArray();
        var lifetime = cluster.Sim.Sim.Options.TokenLifetime;

        async Task RunAsync(TimeSpan span)
        {
            var end = cluster.Clock.GetUtcNow() + span;
            while (cluster.Clock.GetUtcNow() < end)
            {
                cluster.Clock.Advance(TimeSpan.FromMinutes(1));
                foreach (var scheduler in schedulers)
                {
                    await scheduler.RunOnceAsync(CancellationToken.None); // the stranger claims first
                }
            }
        }

        await RunAsync(2 * lifetime);
        Assert.All(apps, app => Assert.Equal(2, cluster.Sim.Sim.IssuedTokens(app, WeChatSim.AuthorizerTokenEndpoint)));

        // The schedule is lost (an operator's mistake, a flush of the due set): rebuilt from the records.
        var store = cluster.Replicas[0].Services.GetRequiredService<IAuthorizerStore>();
        foreach (var app in apps)
        {
            await store.UnscheduleAsync(new AuthorizerId(PlatformCluster.ComponentAppId, app), default);
        }

        await RunAsync(lifetime);
        var refreshes = apps.ToDictionary(a => a, a => cluster.Sim.Sim.IssuedTokens(a, WeChatSim.AuthorizerTokenEndpoint));
        output.WriteLine(string.Join(", ", refreshes.Select(r => $"{r.Key}: {r.Value}")));
        Assert.All(refreshes, r => Assert.Equal(3, r.Value));
        foreach (var app in apps)
        {
            var record = await store.GetAsync(PlatformCluster.ComponentAppId, app, default);
            Assert.False(record!.NeedsReauthorization);
            var token = await cluster.GetTokenAsync(1, PlatformCluster.AuthorizerKey(app));
            Assert.Equal(app, cluster.Sim.Sim.ValidateAccessToken(token.Value, out _));
        }
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
