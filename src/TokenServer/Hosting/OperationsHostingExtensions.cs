using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Observability;
using TokenCenter.Server.Operations;
using TokenCenter.Server.Security;
using TokenCenter.Server.Upstream;

namespace TokenCenter.Server.Hosting;

/// <summary>
/// The operations and security faces: readiness checks, metrics (OpenTelemetry: Prometheus, optional OTLP),
/// status page, caller authentication, rate limits, graceful shutdown. Called by AddTokenServer / MapTokenServer.
/// </summary>
internal static class OperationsHostingExtensions
{
    /// <summary>Adds mounted secret files (<c>Secrets:Directory</c>, default /run/secrets) to configuration, before anything reads it.</summary>
    public static void AddSecretFiles(WebApplicationBuilder builder)
    {
        var directory = builder.Configuration["Secrets:Directory"] ?? "/run/secrets";
        builder.Configuration.AddKeyPerFile(directory, optional: true);
    }

    public static void AddOperations(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var authEnabledByDefault = !builder.Environment.IsDevelopment();

        services.AddMetrics();
        services.TryAddSingleton<RecentActivity>();
        services.TryAddSingleton<ForcedRefreshAudit>();
        services.TryAddSingleton<TokenCenterMetrics>();
        services.TryAddSingleton<TokenLifetimeGauge>();
        services.AddHostedService<MetricsStartup>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthCheckPublisher, HealthMetricsPublisher>());
        services.AddTokenCenterMetricsExport(configuration);
        services.AddTransient<UpstreamMetricsHandler>();
        services.AddHttpClient(WeChatTokenClient.HttpClientName).AddHttpMessageHandler<UpstreamMetricsHandler>();

        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.SectionName))
            .PostConfigure(o => o.Enabled = configuration.GetValue("Auth:Enabled", authEnabledByDefault))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.AddOptions<LimitsOptions>().Bind(configuration.GetSection(LimitsOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>());
        services.AddOptions<HostOptions>().Configure(o =>
        {
            if (configuration.GetValue<TimeSpan?>("Shutdown:Timeout") is { } timeout)
            {
                o.ShutdownTimeout = timeout > TimeSpan.Zero
                    ? timeout
                    : throw new InvalidOperationException($"Shutdown:Timeout must be a positive duration (was {timeout}).");
            }
        });
        services.TryAddSingleton<ApiKeyRegistry>();
        services.TryAddSingleton<OperatorAccess>();
        services.AddGrpcRateLimiting();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((k, limits) =>
        {
            k.AddServerHeader = false;
            k.Limits.Http2.MaxStreamsPerConnection = Math.Max(1, limits.Value.MaxStreamsPerConnection);
        });

        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [HealthTags.Ready])
            .AddCheck<TokensHealthCheck>("tokens", tags: [HealthTags.Ready])
            .AddCheck<ShutdownHealthCheck>("shutdown", tags: [HealthTags.Ready]);
        services.AddHostedService<GracefulShutdown>();
        DecorateLock(services);
    }

    public static void UseOperations(WebApplication app)
    {
        if (!app.Services.GetRequiredService<ApiKeyRegistry>().Enabled)
        {
            SecurityLog.AuthDisabled(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CallGuardInterceptor).FullName!));
        }

        app.UseMiddleware<RpcMetricsMiddleware>();
        OperatorEndpoints.MapMetrics(app);
        app.UseRateLimiter();
        OperatorEndpoints.Map(app);
    }

    /// <summary>Wraps the registered lock (in-process or Redlock) with <see cref="InstrumentedLock"/>.</summary>
    private static void DecorateLock(IServiceCollection services)
    {
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(IDistributedLock));
        if (inner is null)
        {
            return;
        }

        services.Remove(inner);
        services.AddSingleton(sp => new InstrumentedLock(Create(sp, inner), sp.GetRequiredService<TokenCenterMetrics>()));
        services.AddSingleton<IDistributedLock>(sp => sp.GetRequiredService<InstrumentedLock>());
    }

    private static IDistributedLock Create(IServiceProvider sp, ServiceDescriptor d) => (IDistributedLock)(
        d.ImplementationInstance
        ?? d.ImplementationFactory?.Invoke(sp)
        ?? ActivatorUtilities.CreateInstance(sp, d.ImplementationType!));
}
