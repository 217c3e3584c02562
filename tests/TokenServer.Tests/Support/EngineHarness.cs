using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Services;
using TokenCenter.Server.Upstream;
using WeChatSimulator;

namespace TokenServer.Tests.Support;

/// <summary>The engine wired by AddTokenEngine, on a ManualClock, with a fake WeChat or the simulator.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public const string AppA = "wx00000000000000a1";
    public const string SecretA = "secret-a1-0000000000000000000000";
    public const string AppB = "wx00000000000000b2";
    public const string SecretB = "secret-b2-0000000000000000000000";

    private readonly List<IHostedService> _started = [];

    private EngineHarness(ServiceProvider services, ManualClock clock, FakeWeChat? fake)
    {
        Services = services;
        Clock = clock;
        Fake = fake;
    }

    public ServiceProvider Services { get; }

    public ManualClock Clock { get; }

    public FakeWeChat? Fake { get; }

    public TokenEngine Engine => Services.GetRequiredService<TokenEngine>();

    public TokenCenterService Service => Services.GetRequiredService<TokenCenterService>();

    public ITokenStore Store => Services.GetRequiredService<ITokenStore>();

    public static TokenSlotKey KeyA => TokenSlotKey.AccessToken(AppA);

    public static TokenSlotKey KeyB => TokenSlotKey.AccessToken(AppB);

    /// <summary>App A (given grant) against a <see cref="FakeWeChat"/>, or against <paramref name="simulator"/> when given.</summary>
    public static EngineHarness Create(
        string grantA = "Classic",
        Action<Dictionary<string, string?>>? configure = null,
        Action<IServiceCollection>? services = null,
        SimulatorHost? simulator = null,
        ManualClock? clock = null)
    {
        clock ??= new ManualClock();
        var settings = new Dictionary<string, string?>
        {
            ["TokenCenter:Apps:0:AppId"] = AppA,
            ["TokenCenter:Apps:0:Secret"] = SecretA,
            ["TokenCenter:Apps:0:Grant"] = grantA,
            ["TokenCenter:Upstream:RetryBaseDelay"] = "00:00:00",
        };
        if (simulator is not null)
        {
            settings["TokenCenter:Upstream:BaseUrl"] = simulator.BaseAddress.ToString();
        }

        configure?.Invoke(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
        collection.AddSingleton<TimeProvider>(clock);
        FakeWeChat? fake = null;
        if (simulator is null)
        {
            fake = new FakeWeChat();
            collection.AddSingleton<IWeChatTokenClient>(fake);
        }

        services?.Invoke(collection);
        // The engine's public constructor, with the jitter seeded.
        collection.AddSingleton(sp => ActivatorUtilities.CreateInstance<TokenEngine>(sp, new Random(7)));
        collection.AddTokenEngine(configuration);
        return new EngineHarness(collection.BuildServiceProvider(validateScopes: true), clock, fake);
    }

    public TokenSlot Slot(TokenSlotKey key) => Engine.Slots.Single(s => s.Key == key);

    public async Task StartRefresherAsync()
    {
        foreach (var hosted in Services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
            _started.Add(hosted);
        }
    }

    /// <summary>Waits until the refresher has planned the next refresh of <paramref name="key"/> and armed its timer.</summary>
    public Task WaitScheduledAsync(TokenSlotKey key, long atLeastVersion = 1)
    {
        var slot = Slot(key);
        return Eventually.TrueAsync(
            () => slot.State?.Token.Version >= atLeastVersion && slot.InFlight is null
                && slot.NextRefreshAt > Clock.GetUtcNow() && Clock.PendingTimers >= Engine.Keys.Count,
            $"the refresh of {key} is scheduled");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in _started)
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await Services.DisposeAsync();
    }
}
