using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Services;
using TokenCenter.Server.Storage.Redis;
using WeChatSimulator;

namespace TokenCenter.Server.Hosting;

/// <summary>
/// The parts of a TokenServer, returned by <c>AddTokenServer()</c>. Parts can be added in any order and more than
/// once: each registers with <c>TryAdd*</c>, <see cref="IConfigureOptions{TOptions}"/> and
/// <see cref="IPostConfigureOptions{TOptions}"/>, and a part added again adds nothing. Where two parts meet, the seam is a
/// registration of its own, not an order: the storage seams choose Redis when the Redis part is present
/// (<see cref="Storage.StorageSelection"/>); dynamic keys come from every registered <see cref="Engine.IDynamicKeyProvider"/>;
/// the lock instrumentation wraps whichever <see cref="Engine.IRefreshLockBackend"/> is selected.
/// </summary>
public sealed class TokenServerBuilder
{
    /// <summary>A builder over <paramref name="services"/>; <c>AddTokenServer()</c> makes one and adds the parts from configuration.</summary>
    public TokenServerBuilder(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        Services = services;
        Configuration = configuration;
        Environment = environment;
    }

    public IServiceCollection Services { get; }

    public IConfiguration Configuration { get; }

    public IHostEnvironment Environment { get; }

    /// <summary>
    /// The server itself: listeners (<c>Listeners:</c>), the gRPC API with health and reflection, the classic
    /// HTTP faces' services, the token engine with its in-memory defaults and the JS-SDK tickets, health checks and
    /// the startup banner.
    /// </summary>
    public TokenServerBuilder AddCore()
    {
        if (Services.Any(d => d.ServiceType == typeof(CorePart)))
        {
            return this;
        }

        Services.AddSingleton<CorePart>();
        Services.AddRequestLogFilter(); // query strings (the classic compat GET's secret) never logged
        Services.AddOptions<ListenerOptions>().Bind(Configuration.GetSection("Listeners"));
        Services.TryAddSingleton<ListenerAddresses>();
        Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<ListenerOptions>, ListenerAddresses>((k, listeners, addresses) => KestrelListeners.Configure(k, listeners.Value, addresses));
        GrpcApi.Add(Services, Configuration);
        Services.AddTokenEngine(Configuration);
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TokenCenterOptions>, ConfiguredKeysValidator>());
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SingleReplicaNotice>());
        Services.AddHealthChecks();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StartupBanner>());
        return this;
    }

    /// <summary>
    /// Redis as the shared store, lock, forced-refresh quota and platform state (several replicas), with
    /// <see cref="RedisOptions"/> from the <c>Redis</c> section and then <paramref name="configure"/>.
    /// Added by <c>AddTokenServer()</c> when <c>Redis:Configuration</c> is set.
    /// </summary>
    public TokenServerBuilder AddRedis(Action<RedisOptions>? configure = null)
    {
        Services.AddRedisStore(Configuration, configure);
        ThreadPoolMinimum.Raise();
        return this;
    }

    /// <summary>
    /// The third-party platform (开放平台): components and their authorizers, the callback endpoint, the authorizer
    /// refresh scheduler. With no component configured it serves nothing. Added by <c>AddTokenServer()</c>.
    /// </summary>
    public TokenServerBuilder AddPlatform(Action<PlatformOptions>? configure = null)
    {
        Services.AddTokenPlatform(Configuration);
        if (configure is not null)
        {
            Services.Configure(configure);
        }

        return this;
    }

    /// <summary>JSAPI_TICKET and WX_CARD_TICKET (part of the core; explicit for composition that wants to say so).</summary>
    public TokenServerBuilder AddJsSdkTickets()
    {
        Services.AddJsSdkTickets();
        return this;
    }

    /// <summary>
    /// The embedded WeChat simulator as the upstream (demos, tests). Added by <c>AddTokenServer()</c> when
    /// <c>Simulator:Enabled</c> (default: in Development).
    /// </summary>
    public TokenServerBuilder AddSimulator(Action<SimulatorOptions>? configure = null)
    {
        EmbeddedSimulator.Add(Services, Configuration, configure);
        return this;
    }

    /// <summary>
    /// Metrics export, status page, caller authentication, rate limits, readiness checks, graceful shutdown.
    /// Added by <c>AddTokenServer()</c>.
    /// </summary>
    public TokenServerBuilder AddOperations()
    {
        OperationsHostingExtensions.AddOperations(Services, Configuration, Environment);
        return this;
    }

    /// <summary>
    /// The parts configuration asks for: the core, the platform and operations always; Redis when
    /// <c>Redis:Configuration</c> is set; the simulator when <c>Simulator:Enabled</c> (default: in Development).
    /// </summary>
    internal TokenServerBuilder AddConfiguredParts()
    {
        AddCore().AddPlatform().AddOperations();
        if (!string.IsNullOrWhiteSpace(Configuration[$"{RedisOptions.SectionName}:{nameof(RedisOptions.Configuration)}"]))
        {
            AddRedis();
        }

        if (Configuration.GetValue("Simulator:Enabled", Environment.IsDevelopment()))
        {
            AddSimulator();
        }

        return this;
    }

    /// <summary>Marks the core as added.</summary>
    private sealed class CorePart;
}
