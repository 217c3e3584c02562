using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenCenter.Protocol;
using TokenCenter.Server.Platform;
using TokenCenter.V1;
using WeChatSimulator;

namespace TokenServer.Platform.Tests.Support;

/// <summary>
/// A simulator (the WeChat side, with its push driver) and a real TokenServer (<see cref="TestServerHost"/>) configured with
/// one component, sharing a <see cref="ManualClock"/>; the simulator posts callbacks to the server's web listener.
/// </summary>
internal sealed class PlatformFixture : IAsyncDisposable
{
    public const string ComponentAppId = "wx00000000000000c1";
    public const string ComponentSecret = "component-secret";
    public const string VerifyToken = "verify-token";
    public const string AppId = "wx00000000000000d1";
    public const string AppSecret = "direct-app-secret";

    private PlatformFixture(TestServerHost server, SimulatorHost sim, ManualClock clock)
    {
        Server = server;
        Sim = sim;
        Clock = clock;
    }

    public TestServerHost Server { get; }

    public SimulatorHost Sim { get; }

    public ManualClock Clock { get; }

    public Uri WebAddress => Server.WebAddress;

    public GrpcChannel Channel => Server.Channel;

    public IServiceProvider Services => Server.Services;

    public Uri CallbackUrl => new(WebAddress, $"wechat/callback/{ComponentAppId}");

    /// <summary>The replica's authorizer refresh scheduler (its background loop runs too, on <see cref="Clock"/>).</summary>
    public AuthorizerRefreshScheduler Scheduler => Services.GetServices<IHostedService>().OfType<AuthorizerRefreshScheduler>().Single();

    public static TokenKey AuthorizerKey(string appId) => new() { Kind = TokenKind.AuthorizerAccessToken, ComponentAppId = ComponentAppId, AppId = appId };

    public Task<Token> GetTokenAsync(TokenKey key) =>
        Channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = key }, CallOptions.WithTimeout(TimeSpan.FromSeconds(20)));

    /// <summary>Pushes a ticket and waits (real time, bounded) until the component token is served.</summary>
    public async Task<Token> ComponentTokenAsync()
    {
        var pushed = await Sim.Push.PushTicketAsync(ComponentAppId);
        Assert.True(pushed.Acknowledged, $"{pushed.StatusCode} {pushed.Body}");
        Token? token = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                token = await GetTokenAsync(new TokenKey { Kind = TokenKind.ComponentAccessToken, ComponentAppId = ComponentAppId });
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false; // the first attempt, before the ticket, is still in its backoff
            }
        }, "the component token");
        return token!;
    }

    /// <param name="previousKey">The component's previous EncodingAESKey, if any.</param>
    /// <param name="withApp">Also configure a direct app (<see cref="AppId"/>), e.g. for its JS-SDK tickets.</param>
    /// <param name="simulator">Changes the simulator's options (e.g. rotating refresh tokens).</param>
    /// <param name="decorate">Runs after AddTokenServer (wrap a registered service).</param>
    /// <param name="captureLogs">Keep the server's log lines (<see cref="TestServerHost.Logs"/>).</param>
    /// <param name="settings">More configuration keys.</param>
    public static async Task<PlatformFixture> StartAsync(
        string? previousKey = null,
        bool withApp = false,
        Action<SimulatorOptions>? simulator = null,
        Action<IServiceCollection>? decorate = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        bool captureLogs = false)
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var options = new SimulatorOptions();
        simulator?.Invoke(options);
        options.Components.Add(new SimulatedComponent(ComponentAppId, ComponentSecret, VerifyToken, CryptoTests.Key));
        if (withApp)
        {
            options.Apps.Add(new SimulatedApp(AppId, AppSecret));
        }

        var sim = await SimulatorHost.StartAsync(options, clock);

        var configuration = new Dictionary<string, string?>
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
            configuration["TokenCenter:Apps:0:AppId"] = AppId;
            configuration["TokenCenter:Apps:0:Secret"] = AppSecret;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var server = await TestServerHost.StartAsync(configuration, o =>
        {
            o.Clock = clock;
            o.Services = decorate;
            o.CaptureLogs = captureLogs;
        });
        var host = new PlatformFixture(server, sim, clock);
        sim.Sim.SetComponentCallback(ComponentAppId, host.CallbackUrl);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Sim.DisposeAsync();
    }
}
