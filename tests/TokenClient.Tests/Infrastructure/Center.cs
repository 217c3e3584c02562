using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Client;
using TokenCenter.Testing;
using WeChatSimulator;

namespace TokenClient.Tests.Infrastructure;

/// <summary>A simulator and a TokenServer sharing one <see cref="ManualClock"/>; the building block of every test.</summary>
public sealed class Center : IAsyncDisposable
{
    // Clients created by CreateClient connect through this, so that the server can be stopped and
    // started again (on a port of its own) while they keep their address.
    private readonly LoopbackForwarder _grpc;

    private Center(ManualClock clock, SimulatorHost sim, CenterServer server)
    {
        Clock = clock;
        Sim = sim;
        Server = server;
        _grpc = LoopbackForwarder.Start(new IPEndPoint(IPAddress.Loopback, server.GrpcPort));
    }

    /// <summary>The gRPC address clients use: stays the same across <see cref="RestartServerAsync"/>.</summary>
    public Uri GrpcAddress => new($"http://127.0.0.1:{_grpc.Port}/");

    public ManualClock Clock { get; }

    public SimulatorHost Sim { get; }

    public CenterServer Server { get; private set; }

    /// <summary>
    /// Starts both. <paramref name="relaxedQuotas"/> lets forced refreshes happen back to back (no
    /// minimum interval at the simulator or the server's quota guard), for tests that refresh often.
    /// </summary>
    public static async Task<Center> StartAsync(bool relaxedQuotas = false)
    {
        var clock = new ManualClock();
        var options = new SimulatorOptions { Apps = { new SimulatedApp(CenterServer.AppId, CenterServer.Secret) } };
        Dictionary<string, string?>? settings = null;
        if (relaxedQuotas)
        {
            options.StableForceMinInterval = TimeSpan.Zero;
            options.StableForceDailyLimit = 10_000;
            settings = new() { ["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00", ["TokenCenter:Refresh:ForcedDailyBudget"] = "10000" };
        }

        var sim = await SimulatorHost.StartAsync(options, clock);
        var server = await CenterServer.StartAsync(sim.BaseAddress, clock, settings: settings);
        return new Center(clock, sim, server);
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
        Server = await CenterServer.StartAsync(Sim.BaseAddress, Clock);
        _grpc.Retarget(new IPEndPoint(IPAddress.Loopback, Server.GrpcPort));
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
