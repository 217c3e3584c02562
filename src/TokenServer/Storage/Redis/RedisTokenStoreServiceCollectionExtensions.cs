using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Storage;
using TokenCenter.Server.Storage.Redis;
using TokenCenter.Server.Storage.Redis.Platform;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis token store and the RedLock.net refresh lock.</summary>
public static class RedisTokenStoreServiceCollectionExtensions
{
    /// <summary>
    /// When <c>Redis:Configuration</c> is set, adds the Redis part (<see cref="AddRedisStore"/>).
    /// </summary>
    /// <returns>Whether Redis is configured (and so was registered).</returns>
    public static bool AddRedisTokenStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(configuration.GetSection(RedisOptions.SectionName)[nameof(RedisOptions.Configuration)]))
        {
            return false;
        }

        services.AddRedisStore(configuration);
        return true;
    }

    /// <summary>
    /// Adds the Redis part: <see cref="RedisOptions"/> (bound from the <c>Redis</c> section, then
    /// <paramref name="configure"/>; validated at start), the Redis token store, the RedLock.net lock, the
    /// forced-refresh quota shared by all replicas, the third-party platform stores (component tickets, authorizers
    /// and the shared due set, callback nonces), the change monitor and the <c>redis</c> health check (tag
    /// <c>ready</c>); and selects them (<see cref="StorageSelection"/>) for the seams the engine and the platform register
    /// (<see cref="ITokenStore"/>, the lock, the quota, the platform stores), whether those are registered before or after.
    /// Calling it again adds nothing.
    /// </summary>
    public static IServiceCollection AddRedisStore(this IServiceCollection services, IConfiguration configuration, Action<RedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(RedisPart)))
        {
            return services;
        }

        services.AddSingleton<RedisPart>();
        var options = services.AddOptions<RedisOptions>().Bind(configuration.GetSection(RedisOptions.SectionName));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<StorageSelection>, StorageSelection.UseRedis>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RedisConnection(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration!));
        services.TryAddSingleton<RedisTokenStore>();
        services.TryAddSingleton<RedisRefreshLock>();
        services.TryAddSingleton<RedisForcedRefreshBudgetStore>();
        // RedLock.net logs every acquisition at Information; keep its warnings (failed extensions).
        services.Configure<LoggerFilterOptions>(o => o.AddFilter("RedLockNet", LogLevel.Warning));
        // The third-party platform state shared by replicas: tickets, authorizers, the due set, callback nonces.
        services.TryAddSingleton<RedisPlatformCommands>();
        services.TryAddSingleton<RedisComponentTicketStore>();
        services.TryAddSingleton<RedisAuthorizerStore>();
        services.TryAddSingleton<RedisReplayGuard>();
        services.AddHostedService<RedisTokenStoreMonitor>();
        services.AddHealthChecks().AddCheck<RedisStoreHealthCheck>("redis", tags: ["ready"]);
        return services;
    }

    /// <summary>Marks the Redis part as added.</summary>
    private sealed class RedisPart;
}
