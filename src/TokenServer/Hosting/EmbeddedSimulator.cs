using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;
using WeChatSimulator;

namespace TokenCenter.Server.Hosting;

/// <summary>
/// The embedded WeChat simulator as this server's upstream (the simulator part of <see cref="TokenServerBuilder"/>):
/// the simulator knows the configured apps and components (their callbacks pointing at this server's web listener),
/// is mapped under <see cref="Prefix"/> on the web listener (MapTokenServer), and is the engine's upstream
/// (<c>TokenCenter:Upstream:BaseUrl</c> set after configuration by <see cref="UpstreamOnWebListener"/>; the
/// configuration itself is not rewritten). Upstream requests wait for the listener and learn its bound port
/// (<see cref="EmbeddedSimulatorAddressHandler"/>, the outermost handler of the engine's and the push client).
/// </summary>
internal static class EmbeddedSimulator
{
    /// <summary>Path under which the embedded WeChat simulator is served on the web listener.</summary>
    public const string Prefix = "/_simulator";

    /// <summary>Adds the simulator part; calling it again adds nothing.</summary>
    public static void Add(IServiceCollection services, IConfiguration configuration, Action<SimulatorOptions>? configure)
    {
        if (services.Any(d => d.ServiceType == typeof(SimulatorPart)))
        {
            return;
        }

        services.AddSingleton<SimulatorPart>();
        services.AddWeChatSimulator();
        services.AddOptions<SimulatorOptions>().Configure<IOptions<ListenerOptions>>((o, listeners) => AddConfigured(o, configuration, WebAuthority(listeners.Value)));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<TokenCenterOptions>, UpstreamOnWebListener>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, AddressHandlerFilter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SimulatorTicketPush>());
        services.TryAddTransient<EmbeddedSimulatorAddressHandler>();
        services.Configure<StartupBanner.Settings>(s => s.SimulatorEnabled = true);
    }

    /// <summary>scheme://host:port of the web listener, as this process reaches it (a wildcard host is loopback).</summary>
    private static string WebAuthority(ListenerOptions listeners)
    {
        var web = new Uri(listeners.Web);
        var host = web.Host is "0.0.0.0" or "[::]" or "*" ? "127.0.0.1" : web.Host;
        return $"{web.Scheme}://{host}:{web.Port}";
    }

    /// <summary>The configured apps and components, so the simulator answers for them.</summary>
    private static void AddConfigured(SimulatorOptions o, IConfiguration configuration, string web)
    {
        foreach (var app in configuration.GetSection("TokenCenter:Apps").GetChildren())
        {
            var appId = app["AppId"];
            // SimulatorSecret (tests and demos only) lets the simulator know a different secret, to exercise 40125.
            var secret = app["SimulatorSecret"] ?? app["Secret"];
            if (!string.IsNullOrEmpty(appId) && !string.IsNullOrEmpty(secret))
            {
                o.Apps.Add(new SimulatedApp(appId, secret));
            }
        }

        // Components too, their callback URL pointing at this server's callback endpoint on the web listener.
        var callbackPath = configuration["TokenCenter:Platform:CallbackPath"] ?? "/wechat/callback/{componentAppId}";
        foreach (var c in configuration.GetSection("TokenCenter:Components").GetChildren())
        {
            string? id = c["ComponentAppId"], secret = c["Secret"], token = c["Token"], aesKey = c["EncodingAesKey"];
            if (!string.IsNullOrEmpty(id) && !string.IsNullOrEmpty(secret) && !string.IsNullOrEmpty(token) && WeChatMessageCrypto.IsValidEncodingAesKey(aesKey))
            {
                var callback = new Uri($"{web}{callbackPath.Replace("{componentAppId}", id, StringComparison.Ordinal)}");
                o.Components.Add(new SimulatedComponent(id, secret, token, aesKey!, callback));
            }
        }
    }

    /// <summary>The engine's upstream is this process's own web listener, where the simulator is mapped.</summary>
    internal sealed class UpstreamOnWebListener(IOptions<ListenerOptions> listeners) : IPostConfigureOptions<TokenCenterOptions>
    {
        public void PostConfigure(string? name, TokenCenterOptions options) =>
            options.Upstream.BaseUrl = new Uri($"{WebAuthority(listeners.Value)}{Prefix}/");
    }

    /// <summary>
    /// Puts <see cref="EmbeddedSimulatorAddressHandler"/> outermost in the engine's and the push client's pipeline,
    /// after every handler registered for them, whatever part registered those and in which order.
    /// </summary>
    private sealed class AddressHandlerFilter : IHttpMessageHandlerBuilderFilter
    {
        public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
        {
            next(builder);
            if (builder.Name is WeChatTokenClient.HttpClientName or SimulatorEndpoints.PushHttpClientName)
            {
                builder.AdditionalHandlers.Insert(0, builder.Services.GetRequiredService<EmbeddedSimulatorAddressHandler>());
            }
        };
    }

    /// <summary>Marks the simulator part as added.</summary>
    private sealed class SimulatorPart;
}
