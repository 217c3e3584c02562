using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.V1;
using WeChatSimulator;

namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// Third-party platform replicas: N TokenServers configured with one component, over one redis-server, one
/// simulator (with its push driver posting callbacks to replica 0 unless told otherwise) and one <see cref="ManualClock"/>.
/// </summary>
internal sealed class PlatformCluster : IAsyncDisposable
{
    public const string ComponentAppId = "wx00000000000000c7";
    public const string ComponentSecret = "component-secret-7";
    public const string VerifyToken = "verify-token-7";
    public static readonly string EncodingAesKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=');
    public static readonly TokenKey ComponentKey = new() { Kind = TokenKind.ComponentAccessToken, ComponentAppId = ComponentAppId };
    // A property: the deadline is absolute (now + 20 s), so a static field would expire 20 s after first use.
    private static CallOptions Timeout => CallOptions.WithTimeout(TimeSpan.FromSeconds(20));

    private readonly Dictionary<string, string?> _settings;

    private PlatformCluster(ManualClock clock, SimulatorHost sim, RedisServer redis, Dictionary<string, string?> settings, int replicas)
    {
        Clock = clock;
        Sim = sim;
        Redis = redis;
        _settings = settings;
        Replicas = new TestServerHost[replicas];
    }

    public ManualClock Clock { get; }

    public SimulatorHost Sim { get; }

    public RedisServer Redis { get; }

    public TestServerHost[] Replicas { get; }

    public string Prefix => _settings["Redis:KeyPrefix"]!;

    public static async Task<PlatformCluster> StartAsync(int replicas, Action<SimulatorOptions>? simulator = null, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var simOptions = new SimulatorOptions();
        simOptions.Components.Add(new SimulatedComponent(ComponentAppId, ComponentSecret, VerifyToken, EncodingAesKey));
        simulator?.Invoke(simOptions);
        var sim = await SimulatorHost.StartAsync(simOptions, clock);
        var redis = await RedisFixture.StartKillableAsync();
        var settings = new Dictionary<string, string?>
        {
            ["TokenCenter:Upstream:BaseUrl"] = sim.BaseAddress.ToString(),
            ["TokenCenter:Upstream:RetryBaseDelay"] = "00:00:00.001",
            ["TokenCenter:Components:0:ComponentAppId"] = ComponentAppId,
            ["TokenCenter:Components:0:Secret"] = ComponentSecret,
            ["TokenCenter:Components:0:Token"] = VerifyToken,
            ["TokenCenter:Components:0:EncodingAesKey"] = EncodingAesKey,
            ["TokenCenter:Encryption:Keys:0:Id"] = "k1",
            ["TokenCenter:Encryption:Keys:0:Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["TokenCenter:Encryption:ActiveKeyId"] = "k1",
            ["Redis:Configuration"] = redis.Configuration,
            ["Redis:KeyPrefix"] = TestStores.UniquePrefix(),
            ["Redis:EventsCheckInterval"] = "00:00:00.200",
            ["Redis:OperationTimeout"] = "00:00:02",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var cluster = new PlatformCluster(clock, sim, redis, settings, replicas);
        try
        {
            for (var i = 0; i < replicas; i++)
            {
                cluster.Replicas[i] = await TestServerHost.StartAsync(settings, o => o.Clock = clock);
            }

            cluster.CallbackTo(0);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>
    /// Starts one more TokenServer on the same Redis and prefix but WITHOUT the component configured (a misconfigured
    /// or older replica). The caller disposes it. It serves one direct app instead (<see cref="StrangerAppId"/>; add it to the simulator for its token).
    /// </summary>
    public Task<TestServerHost> StartReplicaWithoutComponentAsync()
    {
        var settings = _settings.Where(s => !s.Key.StartsWith("TokenCenter:Components:", StringComparison.Ordinal)).ToDictionary(s => s.Key, s => s.Value);
        settings["TokenCenter:Apps:0:AppId"] = StrangerAppId;
        settings["TokenCenter:Apps:0:Secret"] = StrangerSecret;
        return TestServerHost.StartAsync(settings, o => o.Clock = Clock);
    }

    public const string StrangerAppId = "wx00000000000000e1";
    public const string StrangerSecret = "stranger-secret";

    public TokenEngine Engine(int index) => Replicas[index].Services.GetRequiredService<TokenEngine>();

    public Uri CallbackUrl(int index) => new(Replicas[index].WebAddress, $"wechat/callback/{ComponentAppId}");

    /// <summary>Points WeChat's (the simulator's) callback URL at replica <paramref name="index"/>.</summary>
    public void CallbackTo(int index) => Sim.Sim.SetComponentCallback(ComponentAppId, CallbackUrl(index));

    public static TokenKey AuthorizerKey(string appId) => new() { Kind = TokenKind.AuthorizerAccessToken, ComponentAppId = ComponentAppId, AppId = appId };

    public Task<Token> GetTokenAsync(int index, TokenKey key) =>
        Replicas[index].Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = key }, Timeout);

    /// <summary>Pushes a ticket to the callback and waits (real time, bounded) until replica <paramref name="index"/> serves a component token.</summary>
    public async Task<Token> ComponentTokenAsync(int index)
    {
        var pushed = await Sim.Push.PushTicketAsync(ComponentAppId);
        Assert.True(pushed.Acknowledged, $"{pushed.StatusCode} {pushed.Body}");
        Token? token = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                token = await GetTokenAsync(index, ComponentKey);
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false; // an attempt before the ticket is still in its backoff
            }
        }, $"replica {index} serves the component token");
        return token!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in Replicas)
        {
            if (replica is not null)
            {
                await replica.DisposeAsync();
            }
        }

        await Sim.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
