using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Services;
using TokenCenter.Server.Upstream;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the token engine.</summary>
public static class TokenEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the token engine: <see cref="TokenCenterOptions"/> bound from the <c>TokenCenter</c> section of
    /// <paramref name="configuration"/> and validated at start; <see cref="TimeProvider.System"/>, the
    /// in-memory store, the in-process lock and the in-memory forced-refresh quota unless registered before (e.g. Redis); the WeChat HTTP
    /// client with its resilience pipeline; <see cref="TokenEngine"/>, the proactive refresher (hosted
    /// service), the JS-SDK tickets (<c>AddJsSdkTickets</c>) and <see cref="TokenCenterService"/>.
    /// </summary>
    public static IServiceCollection AddTokenEngine(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<TokenCenterOptions>()
            .Bind(configuration.GetSection(TokenCenterOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TokenCenterOptions>, TokenCenterOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITokenStore, InMemoryTokenStore>();
        services.TryAddSingleton<IDistributedLock, InProcessLock>();
        services.TryAddSingleton<IRefreshQuotaStore, InMemoryRefreshQuotaStore>();

        services.AddWeChatHttpClients();

        services.TryAddSingleton<AppCatalog>();
        services.TryAddSingleton<QuotaGuard>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITokenSource, AccessTokenSource>());
        services.TryAddSingleton(sp => new TokenEngine(
            sp.GetServices<ITokenSource>(),
            sp.GetRequiredService<ITokenStore>(),
            sp.GetRequiredService<IDistributedLock>(),
            sp.GetRequiredService<QuotaGuard>(),
            sp.GetRequiredService<UpstreamCallCounter>(),
            sp.GetRequiredService<IOptions<TokenCenterOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TokenEngine>>(),
            metrics: sp.GetService<TokenCenter.Server.Observability.TokenCenterMetrics>()));
        services.AddHostedService<TokenRefresher>();
        services.AddJsSdkTickets();
        services.TryAddSingleton<TokenCenterService>();
        return services;
    }
}
