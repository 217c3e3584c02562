using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol.Client;
using WeChatSimulator;

namespace TokenServer.Platform.Tests.Support;

/// <summary>
/// A simulator (the WeChat side, with its push driver) and a real TokenServer configured with one component,
/// sharing a <see cref="ManualClock"/>; the simulator posts callbacks to the server's web listener.
/// </summary>
internal sealed class PlatformHost : IAsyncDisposable
{
    public const string ComponentAppId = "wx00000000000000c1";
    public const string ComponentSecret = "component-secret";
    public const string VerifyToken = "verify-token";
    public const string AppId = "wx00000000000000d1";
    public const string AppSecret = "direct-app-secret";

    private readonly WebApplication _app;

    private PlatformHost(WebApplication app, SimulatorHost sim, ManualClock clock, Uri grpc, Uri web)
    {
        _app = app;
        Sim = sim;
        Clock = clock;
        WebAddress = web;
        Channel = GrpcChannel.ForAddress(grpc);
    }

    public SimulatorHost Sim { get; }

    public ManualClock Clock { get; }

    public Uri WebAddress { get; }

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => _app.Services;

    public Uri CallbackUrl => new(WebAddress, $"wechat/callback/{ComponentAppId}");

    /// <param name="previousKey">The component's previous EncodingAESKey, if any.</param>
    /// <param name="withApp">Also configure a direct app (<see cref="AppId"/>), e.g. for its JS-SDK tickets.</param>
    public static async Task<PlatformHost> StartAsync(string? previousKey = null, bool withApp = false)
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var options = new SimulatorOptions();
        options.Components.Add(new SimulatedComponent(ComponentAppId, ComponentSecret, VerifyToken, CryptoTests.Key));
        if (withApp)
        {
            options.Apps.Add(new SimulatedApp(AppId, AppSecret));
        }

        var sim = await SimulatorHost.StartAsync(options, clock);

        var grpcPort = FreePort();
        var webPort = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("TC_TEST_LOG") == "1")
        {
            builder.Logging.AddSimpleConsole();
        }

        // Caller authentication and rate limits (on by default outside Development) are tested in TokenServer.Ops.Tests.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:Enabled"] = "false", ["Limits:RateLimiting"] = "false" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Listeners:Grpc"] = $"http://127.0.0.1:{grpcPort}",
            ["Listeners:Web"] = $"http://127.0.0.1:{webPort}",
            ["Simulator:Enabled"] = "false",
            ["TokenCenter:Upstream:BaseUrl"] = sim.BaseAddress.ToString(),
            ["TokenCenter:Components:0:ComponentAppId"] = ComponentAppId,
            ["TokenCenter:Components:0:Secret"] = ComponentSecret,
            ["TokenCenter:Components:0:Token"] = VerifyToken,
            ["TokenCenter:Components:0:EncodingAesKey"] = CryptoTests.Key,
            ["TokenCenter:Components:0:PreviousEncodingAesKey"] = previousKey,
            ["TokenCenter:Encryption:Keys:0:Id"] = "k1",
            ["TokenCenter:Encryption:Keys:0:Key"] = Convert.ToBase64String(new byte[32]),
            ["TokenCenter:Encryption:ActiveKeyId"] = "k1",
        });
        if (withApp)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["TokenCenter:Apps:0:AppId"] = AppId,
                ["TokenCenter:Apps:0:Secret"] = AppSecret,
            });
        }

        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.AddTokenServer();
        var app = builder.Build();
        app.MapTokenServer();
        await app.StartAsync();
        var host = new PlatformHost(app, sim, clock, new Uri($"http://127.0.0.1:{grpcPort}/"), new Uri($"http://127.0.0.1:{webPort}/"));
        sim.Sim.SetComponentCallback(ComponentAppId, host.CallbackUrl);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Sim.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
