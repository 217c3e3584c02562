using TokenServer.Tests.Support;
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

    private readonly TokenServerHost _server;

    private PlatformHost(TokenServerHost server, SimulatorHost sim, ManualClock clock)
    {
        _server = server;
        Sim = sim;
        Clock = clock;
    }

    public SimulatorHost Sim { get; }

    public ManualClock Clock { get; }

    public Uri WebAddress => _server.WebAddress;

    public GrpcChannel Channel => _server.Channel;

    public IServiceProvider Services => _server.Services;

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

        var settings = new Dictionary<string, string?>
        {
            ["TokenCenter:Upstream:BaseUrl"] = sim.BaseAddress.ToString(),
            ["TokenCenter:Components:0:ComponentAppId"] = ComponentAppId,
            ["TokenCenter:Components:0:Secret"] = ComponentSecret,
            ["TokenCenter:Components:0:Token"] = VerifyToken,
            ["TokenCenter:Components:0:EncodingAesKey"] = CryptoTests.Key,
            ["TokenCenter:Components:0:PreviousEncodingAesKey"] = previousKey,
            ["TokenCenter:Encryption:Keys:0:Id"] = "k1",
            ["TokenCenter:Encryption:Keys:0:Key"] = Convert.ToBase64String(new byte[32]),
            ["TokenCenter:Encryption:ActiveKeyId"] = "k1",
        };
        if (withApp)
        {
            settings["TokenCenter:Apps:0:AppId"] = AppId;
            settings["TokenCenter:Apps:0:Secret"] = AppSecret;
        }

        var server = await TokenServerHost.StartAsync(settings, clock);
        var host = new PlatformHost(server, sim, clock);
        sim.Sim.SetComponentCallback(ComponentAppId, host.CallbackUrl);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await Sim.DisposeAsync();
    }
}
