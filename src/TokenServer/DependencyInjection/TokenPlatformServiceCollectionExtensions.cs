using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Callback;
using TokenCenter.Server.Platform.Crypto;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Storage;
using TokenCenter.Server.Storage.Redis.Platform;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the third-party platform (开放平台 第三方平台) side of the token engine.</summary>
public static class TokenPlatformServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="PlatformOptions"/> (bound from the <c>TokenCenter</c> section, validated at start), the
    /// COMPONENT_ACCESS_TOKEN and AUTHORIZER_ACCESS_TOKEN sources, the callback endpoint's services, the authorizer
    /// refresh scheduler (hosted service), the authorizers as dynamic keys (<see cref="AuthorizerKeyProvider"/>) and,
    /// unless registered before, the ticket store, authorizer store and replay guard: in memory, or Redis when the Redis
    /// part is added, before or after (<see cref="StorageSelection"/>). Call before <c>AddTokenEngine</c> or after;
    /// calling it again adds nothing.
    /// </summary>
    public static IServiceCollection AddTokenPlatform(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(PlatformMarker)))
        {
            return services;
        }

        services.AddSingleton<PlatformMarker>();
        services.AddOptions<PlatformOptions>()
            .Bind(configuration.GetSection(TokenCenterOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PlatformOptions>, PlatformOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        StorageSelection.TryAddStorageSeam<IComponentTicketStore, InMemoryComponentTicketStore, RedisComponentTicketStore>(services);
        StorageSelection.TryAddStorageSeam<IAuthorizerStore, InMemoryAuthorizerStore, RedisAuthorizerStore>(services);
        StorageSelection.TryAddStorageSeam<IReplayGuard, InMemoryReplayGuard, RedisReplayGuard>(services);
        services.AddWeChatHttpClients();
        services.TryAddSingleton<IPlatformClient, PlatformClient>();

        services.TryAddSingleton<ComponentCatalog>();
        services.TryAddSingleton<SecretCipher>();
        services.TryAddSingleton<AuthorizerRateLimiter>();
        services.TryAddSingleton<ComponentTokenSource>();
        services.TryAddSingleton<AuthorizerTokenSource>();
        services.AddSingleton<ITokenSource>(sp => sp.GetRequiredService<ComponentTokenSource>());
        services.AddSingleton<ITokenSource>(sp => sp.GetRequiredService<AuthorizerTokenSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDynamicKeyProvider, AuthorizerKeyProvider>());
        services.TryAddSingleton<AuthorizerRegistry>();
        services.TryAddSingleton<PlatformEventHandler>();
        services.TryAddSingleton<CallbackEndpoint>();
        services.TryAddSingleton<PlatformService>();
        services.AddHostedService<AuthorizerRefreshScheduler>();
        return services;
    }

    private sealed class PlatformMarker;
}
