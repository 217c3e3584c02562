using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.V1;
using WeChatSimulator;

namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// N TokenServer replicas in this process sharing one redis-server, one WeChat simulator (real
/// HTTP) and one <see cref="ManualClock"/>: what a multi-replica deployment is, in miniature.
/// </summary>
internal sealed class ReplicaCluster : IAsyncDisposable
{
    public const string AppId = "wx00000000000000c1";
    public const string Secret = "replica-secret-0001";
    public static readonly TokenKey Key = new() { Kind = TokenKind.AccessToken, AppId = AppId };
    public static readonly TokenSlotKey SlotKey = TokenSlotKey.AccessToken(AppId);

    private readonly Dictionary<string, string?> _settings;
    private readonly HttpClient _business;
    private readonly HttpClient _web = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly RedisServer? _redis;

    private ReplicaCluster(ManualClock clock, SimulatorHost sim, RedisServer? redis, Dictionary<string, string?> settings, int replicas)
    {
        Clock = clock;
        Sim = sim;
        _redis = redis;
        _settings = settings;
        Replicas = new TestServerHost?[replicas];
        _business = new HttpClient { BaseAddress = sim.BaseAddress };
    }

    public ManualClock Clock { get; }

    public SimulatorHost Sim { get; }

    /// <summary>The redis-server process the cluster started (not for a topology given from outside).</summary>
    public RedisServer Redis => _redis ?? throw new InvalidOperationException("this cluster runs on a Redis topology given from outside");

    public TestServerHost?[] Replicas { get; }

    public string Prefix => _settings["Redis:KeyPrefix"]!;

    /// <summary>Access tokens issued by the simulator for the app (all endpoints).</summary>
    public int IssuedTokens => Sim.Sim.TotalIssuedTokens(AppId);

    /// <summary>Calls to the token endpoints for the app, errors (e.g. -1 busy) included.</summary>
    public int TokenCalls => Sim.Sim.Calls(AppId, WeChatSim.TokenEndpoint) + Sim.Sim.Calls(AppId, WeChatSim.StableTokenEndpoint);

    /// <summary>
    /// Starts <paramref name="replicas"/> replicas over a redis-server process started for the cluster,
    /// or over <paramref name="redisConfiguration"/> (a container topology) when given.
    /// </summary>
    public static async Task<ReplicaCluster> StartAsync(int replicas, string grant = "Stable", Action<Dictionary<string, string?>>? configure = null, string? redisConfiguration = null)
    {
        var clock = new ManualClock();
        var simOptions = new SimulatorOptions();
        simOptions.Apps.Add(new SimulatedApp(AppId, Secret));
        var sim = await SimulatorHost.StartAsync(simOptions, clock);
        var redis = redisConfiguration is null ? await RedisFixture.StartKillableAsync() : null;
        var settings = new Dictionary<string, string?>
        {
            ["TokenCenter:Apps:0:AppId"] = AppId,
            ["TokenCenter:Apps:0:Secret"] = Secret,
            ["TokenCenter:Apps:0:Grant"] = grant,
            ["TokenCenter:Upstream:BaseUrl"] = sim.BaseAddress.ToString(),
            ["TokenCenter:Upstream:RetryBaseDelay"] = "00:00:00.001",
            ["Redis:Configuration"] = redisConfiguration ?? redis!.Configuration,
            ["Redis:KeyPrefix"] = TestStores.UniquePrefix(),
            ["Redis:EventsCheckInterval"] = "00:00:00.200",
            ["Redis:OperationTimeout"] = "00:00:01",
        };
        configure?.Invoke(settings);
        var cluster = new ReplicaCluster(clock, sim, redis, settings, replicas);
        try
        {
            // One after the other: the first fetches the startup token, the others load it from Redis.
            for (var i = 0; i < replicas; i++)
            {
                await cluster.StartReplicaAsync(i);
                await cluster.GetTokenAsync(i);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public TestServerHost Replica(int index) => Replicas[index] ?? throw new InvalidOperationException($"replica {index} is stopped");

    public TokenEngine Engine(int index) => Replica(index).Services.GetRequiredService<TokenEngine>();

    public async Task<TestServerHost> StartReplicaAsync(int index, Action<IServiceCollection>? decorate = null)
    {
        if (Replicas[index] is not null)
        {
            throw new InvalidOperationException($"replica {index} is running");
        }

        var host = await TestServerHost.StartAsync(_settings, o => { o.Clock = Clock; o.Services = decorate; });
        Replicas[index] = host;
        return host;
    }

    public async Task StopReplicaAsync(int index)
    {
        var host = Replica(index);
        Replicas[index] = null;
        await host.DisposeAsync();
    }

    public Task<Token> GetTokenAsync(int index) =>
        Replica(index).Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = Key }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30)));

    public Task<Token> ForceRefreshAsync(int index, string stale) =>
        Replica(index).Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = Key, StaleValue = stale }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30)));

    public async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(int index) =>
        (await Replica(index).Channel.UnaryAsync(HealthMethods.Check, new HealthCheckRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(10)))).Status;

    /// <summary>GET /readyz: the HTTP status and the JSON body.</summary>
    public async Task<(int Status, string Body)> ReadyzAsync(int index)
    {
        using var response = await _web.GetAsync(new Uri(Replica(index).WebAddress, "readyz"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A WeChat business call with <paramref name="token"/> (the simulator's validating API); the errcode.</summary>
    public async Task<int> BusinessCallAsync(string token)
    {
        using var response = await _business.GetAsync($"cgi-bin/get_api_domain_ip?access_token={Uri.EscapeDataString(token)}");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.TryGetProperty("errcode", out var code) ? code.GetInt32() : 0;
    }

    /// <summary>The token hash as stored in Redis (value field), or null when none is stored.</summary>
    public async Task<string?> StoredValueAsync()
    {
        var value = await Redis.CommandAsync("HGET", $"{Prefix}:tok:{{{SlotKey}}}", "value");
        return value == "$-1" ? null : value;
    }

    /// <summary>Versions held in memory by the running replicas (0 when none).</summary>
    public long[] HeldVersions() =>
        [.. Replicas.Where(r => r is not null).Select(r => r!.Services.GetRequiredService<TokenEngine>().Slots.Single().State?.Token.Version ?? 0)];

    /// <summary>
    /// Whether background work after a clock step has settled: on every running replica no refresh is
    /// in flight and the refresher has planned its next one in the future (so a due refresh has run,
    /// not merely been triggered), its timer is armed, and all replicas hold the same version.
    /// </summary>
    public bool Settled()
    {
        var slots = Replicas.Where(r => r is not null).Select(r => r!.Services.GetRequiredService<TokenEngine>().Slots.Single()).ToArray();
        var now = Clock.GetUtcNow();
        return slots.All(s => s.InFlight is null && s.NextRefreshAt > now)
            && Clock.PendingTimers >= slots.Length
            && slots.Select(s => s.State?.Token.Version ?? 0).Distinct().Count() == 1;
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

        _business.Dispose();
        _web.Dispose();
        await Sim.DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
