using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Callback;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Storage.Redis;
using TokenCenter.Server.Storage.Redis.Platform;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis token store and the RedLock.net refresh lock.</summary>
public static class RedisTokenStoreServiceCollectionExtensions
{
    /// <summary>
    /// When <c>Redis:Configuration</c> is set, registers <see cref="ITokenStore"/> (Redis),
    /// <see cref="IDistributedLock"/> (RedLock.net), <see cref="IRefreshQuotaStore"/> (the forced-refresh
    /// quota shared by all replicas), the third-party platform stores (component tickets, authorizers and the
    /// shared due set, callback nonces), their options (validated at start), the change
    /// monitor and the <c>redis</c> health check (tag <c>ready</c>). These replace any store or lock
    /// registered before, and win over defaults added later with <c>TryAdd</c>.
    /// </summary>
    /// <returns>Whether Redis is configured (and so was registered).</returns>
    public static bool AddRedisTokenStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(RedisOptions.SectionName);
        if (string.IsNullOrWhiteSpace(section[nameof(RedisOptions.Configuration)]))
        {
            return false;
        }

        services.AddOptions<RedisOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RedisConnection(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration!));
        services.TryAddSingleton<RedisTokenStore>();
        services.TryAddSingleton<RedisRefreshLock>();
        services.RemoveAll<ITokenStore>();
        services.AddSingleton<ITokenStore>(sp => sp.GetRequiredService<RedisTokenStore>());
        services.RemoveAll<IDistributedLock>();
        services.AddSingleton<IDistributedLock>(sp => sp.GetRequiredService<RedisRefreshLock>());
        // RedLock.net logs every acquisition at Information; keep its warnings (failed extensions).
        services.Configure<LoggerFilterOptions>(o => o.AddFilter("RedLockNet", LogLevel.Warning));
        services.RemoveAll<IRefreshQuotaStore>();
        services.AddSingleton<IRefreshQuotaStore, RedisRefreshQuotaStore>();
        // The third-party platform state shared by replicas: tickets, authorizers, the due set, callback nonces.
        services.TryAddSingleton<RedisPlatformGateway>();
        services.RemoveAll<IComponentTicketStore>();
        services.AddSingleton<IComponentTicketStore, RedisComponentTicketStore>();
        services.RemoveAll<IAuthorizerStore>();
        services.AddSingleton<IAuthorizerStore, RedisAuthorizerStore>();
        services.RemoveAll<IReplayGuard>();
        services.AddSingleton<IReplayGuard, RedisReplayGuard>();
        services.AddHostedService<RedisTokenStoreMonitor>();
        services.AddHealthChecks().AddCheck<RedisStoreHealthCheck>("redis", tags: ["ready"]);
        return true;
    }
}
