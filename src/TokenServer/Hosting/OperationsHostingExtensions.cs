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
/// status page, caller authentication, rate limits, graceful shutdown. The operations part of <see cref="TokenServerBuilder"/>; mapped by MapTokenServer.
/// </summary>
internal static class OperationsHostingExtensions
{
    /// <summary>Adds mounted secret files (<c>Secrets:Directory</c>, default /run/secrets) to configuration, before anything reads it.</summary>
    public static void AddSecretFiles(WebApplicationBuilder builder)
    {
        var directory = builder.Configuration["Secrets:Directory"] ?? "/run/secrets";
        builder.Configuration.AddKeyPerFile(directory, optional: true);
    }

    /// <summary>
    /// Adds the operations part: the forced-refresh audit, metrics export and upstream metrics, authentication,
    /// rate limits, graceful shutdown and the readiness checks. Calling it again adds nothing.
    /// </summary>
    public static void AddOperations(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        if (services.Any(d => d.ServiceType == typeof(OperationsPart)))
        {
            return;
        }

        services.AddSingleton<OperationsPart>();
        var authEnabledByDefault = !environment.IsDevelopment();
        services.AddMetrics();
        services.TryAddSingleton<RecentActivity>();
        services.TryAddSingleton<ForcedRefreshAudit>();
        services.TryAddSingleton<TokenCenterMetrics>();
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

    /// <summary>Marks the operations part as added.</summary>
    private sealed class OperationsPart;
}
