using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TokenCenter.Server;
using TokenCenter.Server.Hosting;
using TokenCenter.Server.Security;
using TokenCenter.Server.Services;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;
using WeChatSimulator;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Composition of the TokenCenter server: services, listeners and endpoints.</summary>
public static class TokenServerHostingExtensions
{
    /// <summary>Path under which the embedded WeChat simulator is served on the web listener.</summary>
    public const string SimulatorPrefix = "/_simulator";

    /// <summary>
    /// Registers everything the server needs from configuration: listeners, the wire layer, the
    /// token engine (in-memory store, or Redis when <c>Redis:Configuration</c> is set), health
    /// checks, and — when <c>Simulator:Enabled</c> (default: in Development) — the embedded WeChat
    /// simulator as the upstream.
    /// </summary>
    public static WebApplicationBuilder AddTokenServer(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        OperationsHostingExtensions.AddSecretFiles(builder);
        builder.Services.AddRequestLogFilter(); // query strings (the classic compat GET's secret) never logged
        var configuration = builder.Configuration;
        var listeners = configuration.GetSection("Listeners").Get<ListenerOptions>() ?? new ListenerOptions();
        builder.Services.AddSingleton(Options.Create(listeners));
        var addresses = new ListenerAddresses();
        builder.Services.AddSingleton(addresses);
        builder.WebHost.ConfigureKestrel(k => KestrelListeners.Configure(k, listeners, addresses));

        var simulatorEnabled = configuration.GetValue("Simulator:Enabled", builder.Environment.IsDevelopment());
        if (simulatorEnabled)
        {
            // The upstream is this process's own web listener, where the simulator is mapped.
            var web = new Uri(listeners.Web);
            var host = web.Host is "0.0.0.0" or "[::]" or "*" ? "127.0.0.1" : web.Host;
            configuration["TokenCenter:Upstream:BaseUrl"] = $"{web.Scheme}://{host}:{web.Port}{SimulatorPrefix}/";
            builder.Services.AddWeChatSimulator(o =>
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
                        var callback = new Uri($"{web.Scheme}://{host}:{web.Port}{callbackPath.Replace("{componentAppId}", id, StringComparison.Ordinal)}");
                        o.Components.Add(new SimulatedComponent(id, secret, token, aesKey!, callback));
                    }
                }
            });
            builder.Services.AddHostedService<SimulatorTicketPush>();
            builder.Services.AddTransient<EmbeddedSimulatorAddressHandler>();
            builder.Services.AddHttpClient(WeChatTokenClient.HttpClientName).AddHttpMessageHandler<EmbeddedSimulatorAddressHandler>();
            builder.Services.AddHttpClient(SimulatorEndpoints.PushHttpClientName).AddHttpMessageHandler<EmbeddedSimulatorAddressHandler>();
        }

        builder.Services.Configure<StartupBanner.Settings>(s => s.SimulatorEnabled = simulatorEnabled);
        AddGrpc(builder);
        // Redis (when Redis:Configuration is set) must be registered before the engine's in-memory defaults.
        if (builder.Services.AddRedisTokenStore(configuration))
        {
            ThreadPoolMinimum.Raise();
        }
        else
        {
            builder.Services.AddHostedService<SingleReplicaNotice>();
        }

        builder.Services.AddTokenEngine(configuration);
        builder.Services.AddSingleton<IValidateOptions<TokenCenter.Server.Options.TokenCenterOptions>, ConfiguredKeysValidator>();
        builder.Services.AddTokenPlatform(configuration);
        builder.Services.AddHealthChecks();
        builder.Services.AddHostedService<StartupBanner>();
        OperationsHostingExtensions.AddOperations(builder);
        return builder;
    }

    /// <summary>Maps the gRPC services, health endpoints and (if enabled) the simulator.</summary>
    public static WebApplication MapTokenServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        OperationsHostingExtensions.UseOperations(app);

        // Each listener serves only its own faces (ListenerScope, matched on the bound local port).
        const string Grpc = ListenerAddresses.Names.Grpc, Web = ListenerAddresses.Names.Web;
        app.MapGrpcService<TokenCenterGrpcService>().OnListeners(Grpc);
        app.MapGrpcHealthChecksService().OnListeners(Grpc);
        if (app.Configuration.GetValue("Grpc:EnableReflection", true))
        {
            app.MapGrpcReflectionService().OnListeners(Grpc);
        }

        var web = app.MapGroup(string.Empty).OnListeners(Web);
        web.MapWeChatCallback();
        web.MapWeChatCompatEndpoints();
        web.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        web.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(HealthTags.Ready),
            ResponseWriter = ReadinessResponseWriter.WriteAsync,
        });

        if (app.Services.GetService<WeChatSim>() is not null)
        {
            web.MapGroup(SimulatorPrefix).MapWeChatSimulator();
        }

        return app;
    }

    /// <summary>
    /// Grpc.AspNetCore with the <c>Grpc:</c> options (MaxReceiveMessageSize, ResponseCompressionAlgorithm,
    /// EnableDetailedErrors), the caller guard as the TokenCenter service's interceptor, gRPC health over
    /// the checks tagged ready ("" and tokencenter.v1.TokenCenter), and reflection.
    /// </summary>
    private static void AddGrpc(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ListenerScopeMatcherPolicy>());
        services.AddGrpc().AddServiceOptions<TokenCenterGrpcService>(o => o.Interceptors.Add<CallGuardInterceptor>());
        services.Configure<GrpcServiceOptions>(builder.Configuration.GetSection("Grpc"));
        services.AddSingleton<CallGuardInterceptor>();
        services.AddSingleton<TokenCenterGrpcService>();
        services.AddGrpcHealthChecks(o =>
        {
            o.Services.Clear();
            o.Services.Map(string.Empty, r => r.Tags.Contains(HealthTags.Ready));
            o.Services.Map("tokencenter.v1.TokenCenter", r => r.Tags.Contains(HealthTags.Ready));
        });
        // Watch answers from the last published report: publish every second, from the start.
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.Zero;
            o.Period = TimeSpan.FromSeconds(1);
        });
        if (builder.Configuration.GetValue("Grpc:EnableReflection", true))
        {
            services.AddGrpcReflection();
        }

        // Last: AddGrpc* calls (health, reflection) register the default method provider again.
        DefaultMethodProviderExcept.Install(services);
    }
}
