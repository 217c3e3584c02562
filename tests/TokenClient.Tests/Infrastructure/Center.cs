using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Client;
using TokenCenter.Testing;
using WeChatSimulator;

namespace TokenClient.Tests.Infrastructure;

/// <summary>
/// A simulator and a TokenServer (<see cref="TestServerHost"/>, with a <see cref="RequestLog"/>) sharing one
/// <see cref="ManualClock"/>; the building block of every test.
/// </summary>
public sealed class Center : IAsyncDisposable
{
    public const string AppId = "wx0000000000000001";
    public const string Secret = "client-tests-secret";

    // Clients created by CreateClient connect through this, so that the server can be stopped and
    // started again (on a port of its own) while they keep their address.
    private readonly LoopbackForwarder _grpc;

    private readonly Dictionary<string, string?>? _settings;

    private Center(ManualClock clock, SimulatorHost sim, Dictionary<string, string?>? settings)
    {
        Clock = clock;
        Sim = sim;
        _settings = settings;
        _grpc = LoopbackForwarder.Start();
    }

    /// <summary>The gRPC address clients use: stays the same across <see cref="RestartServerAsync"/>.</summary>
    public Uri GrpcAddress => new($"http://127.0.0.1:{_grpc.Port}/");

    public ManualClock Clock { get; }

    public SimulatorHost Sim { get; }

    public TestServerHost Server { get; private set; } = null!;

    /// <summary>
    /// Starts both. <paramref name="relaxedQuotas"/> lets forced refreshes happen back to back (no
    /// minimum interval at the simulator or the server's forced-refresh budget), for tests that refresh often.
    /// </summary>
    public static async Task<Center> StartAsync(bool relaxedQuotas = false)
    {
        var clock = new ManualClock();
        var options = new SimulatorOptions { Apps = { new SimulatedApp(AppId, Secret) } };
        Dictionary<string, string?>? settings = null;
        if (relaxedQuotas)
        {
            options.StableForceMinInterval = TimeSpan.Zero;
            options.StableForceDailyLimit = 10_000;
            settings = new() { ["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00", ["TokenCenter:Refresh:ForcedDailyBudget"] = "10000" };
        }

        var sim = await SimulatorHost.StartAsync(options, clock);
        var center = new Center(clock, sim, settings);
        await center.RestartServerAsync();
        return center;
    }

    /// <summary>
    /// Another server on the same simulator and clock, on ports of its own (not behind <see cref="GrpcAddress"/>):
    /// one app (<see cref="AppId"/>, stable grant), no retries upstream, no caller authentication or rate limits.
    /// </summary>
    public Task<TestServerHost> StartServerAsync(IDictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["TokenCenter:Upstream:BaseUrl"] = Sim.BaseAddress.ToString(),
            ["TokenCenter:Upstream:MaxRetries"] = "0",
            ["TokenCenter:Apps:0:AppId"] = AppId,
            ["TokenCenter:Apps:0:Secret"] = Secret,
            ["TokenCenter:Apps:0:Grant"] = "Stable",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        return TestServerHost.StartAsync(config, o =>
        {
            o.Clock = Clock;
            o.IsolatedConfiguration = true;
            // Streams (WatchTokens) keep requests open: give them a moment, then abort the connections.
            o.StopTimeout = TimeSpan.FromSeconds(1);
            RequestLog.Install(o);
        });
    }

    /// <summary>A client (in its own service provider, disposed with it) on the shared clock.</summary>
    public TestClient CreateClient(Action<TokenCenterClientOptions>? configure = null, params Uri[] addresses)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddTokenCenterClient(o =>
        {
            o.Addresses = addresses.Length > 0 ? [.. addresses.Select(a => a.ToString())] : [GrpcAddress.ToString()];
            o.ReconnectBaseDelay = TimeSpan.FromMilliseconds(100);
            o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(400);
            // A hang guard, not a speed bound: no test here is about deadlines, and the default 5 s ran out for a cold
            // first GetToken on a loaded machine (DeadlineExceeded in a full run at load ≈ 20). A stopped server still
            // fails over at once (connection refused / reset is UNAVAILABLE, not a deadline).
            o.CallTimeout = TimeSpan.FromSeconds(60);
            configure?.Invoke(o);
        });
        return new TestClient(services.BuildServiceProvider());
    }

    /// <summary>Stops the server (its streams are aborted; new connections to <see cref="GrpcAddress"/> are reset).</summary>
    public async ValueTask StopServerAsync()
    {
        _grpc.Retarget(null);
        await Server.DisposeAsync();
    }

    /// <summary>Starts a new server (new ports, same simulator and clock) behind the same <see cref="GrpcAddress"/>.</summary>
    public async Task RestartServerAsync()
    {
        Server = await StartServerAsync(_settings);
        _grpc.Retarget(new IPEndPoint(IPAddress.Loopback, Server.GrpcAddress.Port));
    }

    public async ValueTask DisposeAsync()
    {
        await _grpc.DisposeAsync();
        await Server.DisposeAsync();
        await Sim.DisposeAsync();
    }
}

/// <summary>A client and the provider that owns it.</summary>
public sealed class TestClient(ServiceProvider provider) : IAsyncDisposable
{
    public ITokenCenterClient Client { get; } = provider.GetRequiredService<ITokenCenterClient>();

    public IServiceProvider Services => provider;

    /// <summary>Whether the push stream is delivering.</summary>
    public bool IsPushLive => ((TokenCenter.Client.Internal.TokenCenterClient)Client).IsPushLive;

    public ValueTask DisposeAsync() => provider.DisposeAsync();
}
