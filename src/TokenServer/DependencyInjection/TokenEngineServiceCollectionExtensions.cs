using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Observability;
using TokenCenter.Server.Storage;
using TokenCenter.Server.Storage.Redis;
using TokenCenter.Server.Options;
using TokenCenter.Server.Services;
using TokenCenter.Server.Upstream;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the token engine.</summary>
public static class TokenEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the token engine: <see cref="TokenCenterOptions"/> bound from the <c>TokenCenter</c> section of
    /// <paramref name="configuration"/> and validated at start; <see cref="TimeProvider.System"/>; the storage seams
    /// (<see cref="ITokenStore"/>, the refresh lock <see cref="IRefreshLockBackend"/> under <see cref="IDistributedLock"/>
    /// = <see cref="InstrumentedLock"/>, <see cref="IForcedRefreshBudgetStore"/>): in memory, or Redis when the Redis part is
    /// added, before or after (<see cref="StorageSelection"/>); the metrics; the WeChat HTTP client with its resilience
    /// pipeline; <see cref="TokenEngine"/> (and <see cref="IAccessTokenReader"/>, as <see cref="Lazy{T}"/>, for the
    /// sources that need another key's token), the proactive refresher (hosted service), the JS-SDK tickets
    /// (<c>AddJsSdkTickets</c>) and <see cref="TokenCenterService"/>. Registrations made before win (a test's own
    /// store or client); calling it again adds nothing new.
    /// </summary>
    public static IServiceCollection AddTokenEngine(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(EnginePart)))
        {
            return services;
        }

        services.AddSingleton<EnginePart>();
        services.AddOptions<TokenCenterOptions>()
            .Bind(configuration.GetSection(TokenCenterOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TokenCenterOptions>, TokenCenterOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        StorageSelection.TryAddStorageSeam<ITokenStore, InMemoryTokenStore, RedisTokenStore>(services);
        StorageSelection.TryAddStorageSeam<IRefreshLockBackend, InProcessLock, RedisRefreshLock>(services);
        StorageSelection.TryAddStorageSeam<IForcedRefreshBudgetStore, InMemoryForcedRefreshBudgetStore, RedisForcedRefreshBudgetStore>(services);
        services.TryAddSingleton<InstrumentedLock>();
        services.TryAddSingleton<IDistributedLock>(sp => sp.GetRequiredService<InstrumentedLock>());

        services.AddMetrics();
        services.TryAddSingleton<RecentActivity>();
        services.TryAddSingleton<TokenCenterMetrics>();

        services.AddWeChatHttpClients();

        services.TryAddSingleton<AppCatalog>();
        services.TryAddSingleton<ForcedRefreshBudget>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITokenSource, AccessTokenSource>());
        services.TryAddSingleton<TokenEngine>();
        // The sources are built before the engine (it takes them): those that read another key's token get it lazily.
        services.TryAddSingleton(sp => new Lazy<IAccessTokenReader>(sp.GetRequiredService<TokenEngine>));
        services.AddHostedService<TokenRefresher>();
        services.AddJsSdkTickets();
        services.TryAddSingleton<TokenCenterService>();
        return services;
    }

    /// <summary>Marks the engine as added.</summary>
    private sealed class EnginePart;
}
