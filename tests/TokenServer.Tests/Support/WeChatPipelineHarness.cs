using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Tickets;
using TokenCenter.Server.Upstream;

namespace TokenServer.Tests.Support;

/// <summary>
/// The WeChat clients as <c>AddWeChatHttpClients</c> wires them (the one pipeline), against a <see cref="ScriptedWeChat"/>
/// as the HTTP client's primary handler, with every log line collected. Short real timeouts (network time is the
/// system clock): a hanging attempt is cut after <see cref="AttemptTimeout"/>.
/// </summary>
internal sealed class WeChatPipelineHarness : IAsyncDisposable
{
    public const string AppId = "wx00000000000000a1";
    public const string Secret = "app-secret-00000000000000000000a1";
    public const string ComponentAppId = "wx00000000000000c1";
    public const string ComponentSecret = "component-secret-000000000000c1";
    public const string AuthorizerAppId = "wx00000000000000d1";
    public const int MaxRetries = 3;

    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(300);

    private WeChatPipelineHarness(ServiceProvider services, ScriptedWeChat weChat)
    {
        Services = services;
        WeChat = weChat;
    }

    public ServiceProvider Services { get; }

    public ScriptedWeChat WeChat { get; }

    public IPlatformClient Platform => Services.GetRequiredService<IPlatformClient>();

    public WeChatTicketClient Tickets => Services.GetRequiredService<WeChatTicketClient>();

    public IWeChatTokenClient Tokens => Services.GetRequiredService<IWeChatTokenClient>();

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    /// <summary>Every log line so far, message and structured values.</summary>
    public string LogText => string.Join('\n', Logs.GetSnapshot().Select(r => $"{r.Level} {r.Category} {r.Message} {string.Join(' ', r.StructuredState?.Select(p => p.Value) ?? [])} {r.Exception}"));

    /// <param name="services">Runs before <c>AddWeChatHttpClients</c> (e.g. to add a handler to the client first).</param>
    /// <param name="after">Runs after it.</param>
    public static WeChatPipelineHarness Create(Action<IServiceCollection>? services = null, Action<IServiceCollection>? after = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TokenCenter:Upstream:BaseUrl"] = "https://wechat.invalid/",
            ["TokenCenter:Upstream:Timeout"] = AttemptTimeout.ToString(),
            ["TokenCenter:Upstream:MaxRetries"] = MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TokenCenter:Upstream:RetryBaseDelay"] = "00:00:00.001",
        }).Build();
        var weChat = new ScriptedWeChat();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
        collection.AddFakeLogging();
        collection.AddOptions<TokenCenterOptions>().Bind(configuration.GetSection(TokenCenterOptions.SectionName));
        services?.Invoke(collection);
        collection.AddWeChatHttpClients();
        collection.AddHttpClient(WeChatHttp.ClientName).ConfigurePrimaryHttpMessageHandler(() => weChat);
        collection.TryAddSingleton<IPlatformClient, PlatformClient>();
        collection.TryAddSingleton<WeChatTicketClient>();
        after?.Invoke(collection);
        return new WeChatPipelineHarness(collection.BuildServiceProvider(validateScopes: true), weChat);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
