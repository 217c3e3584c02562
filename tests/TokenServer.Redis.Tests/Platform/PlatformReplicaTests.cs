using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using TokenCenter.Protocol;
using TokenCenter.Server.Platform;
using TokenCenter.V1;
using TokenServer.Redis.Tests.Infrastructure;
using WeChatSimulator;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Platform;

/// <summary>The third-party platform over two replicas sharing one redis-server, one simulator and one clock.</summary>
public sealed class PlatformReplicaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_ticket_pushed_to_one_replica_gives_the_other_replica_the_component_token()
    {
        await using var cluster = await PlatformCluster.StartAsync(2);
        cluster.CallbackTo(0);

        // SenparcWeixin #471: the ticket reached replica 0 only; replica 1 must still obtain the component token.
        var token = await cluster.ComponentTokenAsync(index: 1);

        Assert.Equal(PlatformCluster.ComponentAppId, cluster.Sim.Sim.ValidateComponentAccessToken(token.Value, out var errcode));
        Assert.Equal(0, errcode);
        Assert.Equal(token.Value, (await cluster.GetTokenAsync(0, PlatformCluster.ComponentKey)).Value);
        Assert.Equal(1, cluster.Sim.Sim.IssuedTokens(PlatformCluster.ComponentAppId, WeChatSim.ComponentTokenEndpoint));
    }

    [Fact]
    public async Task Authorizers_are_served_by_both_replicas_and_an_unauthorized_one_is_NOT_FOUND_on_both()
    {
        await using var cluster = await PlatformCluster.StartAsync(2);
        await cluster.ComponentTokenAsync(index: 0);
        string[] apps = ["wx00000000000000a1", "wx00000000000000a2", "wx00000000000000a3"];
        foreach (var app in apps)
        {
            await cluster.Sim.Push.AuthorizeAsync(PlatformCluster.ComponentAppId, app);
            Assert.True(cluster.Sim.Push.LastPush!.Acknowledged);
        }

        foreach (var app in apps)
        {
            var first = await cluster.GetTokenAsync(0, PlatformCluster.AuthorizerKey(app));
            var second = await cluster.GetTokenAsync(1, PlatformCluster.AuthorizerKey(app));
            Assert.Equal(first.Value, second.Value);
            Assert.Equal(app, cluster.Sim.Sim.ValidateAccessToken(second.Value, out var errcode));
            Assert.Equal(0, errcode);
        }

        var list = await cluster.Replicas[1].Channel.UnaryAsync(
            TokenCenterMethods.ListAuthorizers, new ListAuthorizersRequest { ComponentAppId = PlatformCluster.ComponentAppId, PageSize = 2 }, CallOptions.WithTimeout(TimeSpan.FromSeconds(10)));
        Assert.Equal(["wx00000000000000a1", "wx00000000000000a2"], list.Authorizers.Select(a => a.AppId));
        Assert.Equal("wx00000000000000a2", list.NextPageToken);

        Assert.True((await cluster.Sim.Push.UnauthorizeAsync(PlatformCluster.ComponentAppId, apps[1])).Acknowledged);

        for (var i = 0; i < 2; i++)
        {
            var replica = i;
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    await cluster.GetTokenAsync(replica, PlatformCluster.AuthorizerKey(apps[1]));
                    return false;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    return true;
                }
            }, $"replica {replica} answers NOT_FOUND for the unauthorized account");
            await cluster.GetTokenAsync(replica, PlatformCluster.AuthorizerKey(apps[0]));
            await cluster.GetTokenAsync(replica, PlatformCluster.AuthorizerKey(apps[2]));
        }
    }

    [Fact]
    public async Task The_due_set_is_shared_each_authorizer_is_refreshed_once_per_lifetime_and_refresh_tokens_stay_ciphertext()
    {
        const int Authorizers = 8;
        await using var cluster = await PlatformCluster.StartAsync(2, sim => sim.RotateRefreshTokens = true);
        await cluster.ComponentTokenAsync(index: 0);
        var apps = Enumerable.Range(1, Authorizers).Select(i => $"wx{i:x16}").ToArray();
        foreach (var app in apps)
        {
            await cluster.Sim.Push.AuthorizeAsync(PlatformCluster.ComponentAppId, app);
            Assert.True(cluster.Sim.Push.LastPush!.Acknowledged);
        }

        var schedulers = cluster.Replicas.Select(r => r.Services.GetServices<IHostedService>().OfType<AuthorizerRefreshScheduler>().Single()).ToArray();
        var lifetime = cluster.Sim.Sim.Options.TokenLifetime;
        var end = cluster.Clock.GetUtcNow() + (2 * lifetime);
        while (cluster.Clock.GetUtcNow() < end)
        {
            cluster.Clock.Advance(TimeSpan.FromMinutes(1));
            // Both replicas claim from the one due set at the same moment (their background loops run too).
            await Task.WhenAll(schedulers.Select(s => s.RunOnceAsync(CancellationToken.None)));
            foreach (var app in apps)
            {
                // Never missed: the token each replica serves is always valid at WeChat.
                var served = await cluster.GetTokenAsync(cluster.Clock.GetUtcNow().Minute % 2, PlatformCluster.AuthorizerKey(app));
                Assert.Equal(app, cluster.Sim.Sim.ValidateAccessToken(served.Value, out _));
            }
        }

        var refreshes = apps.ToDictionary(a => a, a => cluster.Sim.Sim.IssuedTokens(a, WeChatSim.AuthorizerTokenEndpoint));
        output.WriteLine(string.Join(", ", refreshes.Select(r => $"{r.Key}: {r.Value}")));
        Assert.All(refreshes, r => Assert.Equal(2, r.Value)); // two lifetimes: once each, never doubled

        var values = await RedisValuesAsync(cluster);
        Assert.Contains(values, v => v.StartsWith("v1:k1:", StringComparison.Ordinal)); // the ciphertexts are there
        Assert.DoesNotContain(values, v => v.Contains("refreshtoken@@@", StringComparison.Ordinal)); // every issued refresh token starts so
    }

    [Fact]
    public async Task A_callback_replayed_to_the_other_replica_is_acknowledged_as_already_handled()
    {
        await using var cluster = await PlatformCluster.StartAsync(2);
        using var http = new HttpClient();
        var now = cluster.Clock.GetUtcNow();
        var xml = $"<xml><AppId>{PlatformCluster.ComponentAppId}</AppId><CreateTime>{now.ToUnixTimeSeconds()}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>T1</ComponentVerifyTicket></xml>";
        var message = new WeChatMessageCrypto(PlatformCluster.EncodingAesKey).Seal(xml, PlatformCluster.ComponentAppId, PlatformCluster.VerifyToken, now, "4711");

        async Task<HttpStatusCode> PostAsync(int replica)
        {
            using var content = new StringContent(message.Body, Encoding.UTF8, "text/xml");
            using var response = await http.PostAsync(new Uri(cluster.CallbackUrl(replica) + "?" + message.Query), content);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await PostAsync(0));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(1));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(0));
    }

    /// <summary>Every string stored under the cluster's prefix: string values, hash fields and values, set members.</summary>
    private static async Task<List<string>> RedisValuesAsync(PlatformCluster cluster)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Redis.Configuration);
        var db = connection.GetDatabase();
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var values = new List<string>();
        foreach (var key in server.Keys(pattern: cluster.Prefix + ":*"))
        {
            switch (await db.KeyTypeAsync(key))
            {
                case RedisType.String:
                    values.Add((string?)await db.StringGetAsync(key) ?? string.Empty);
                    break;
                case RedisType.Hash:
                    values.AddRange((await db.HashGetAllAsync(key)).SelectMany(e => new[] { (string)e.Name!, (string?)e.Value ?? string.Empty }));
                    break;
                case RedisType.SortedSet:
                    values.AddRange((await db.SortedSetRangeByRankAsync(key)).Select(v => (string)v!));
                    break;
                case RedisType.Set:
                    values.AddRange((await db.SetMembersAsync(key)).Select(v => (string)v!));
                    break;
                default:
                    break;
            }
        }

        return values;
    }
}
