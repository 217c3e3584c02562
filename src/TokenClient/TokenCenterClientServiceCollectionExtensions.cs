using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Client;
using TokenCenter.Client.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the TokenCenter client.</summary>
public static class TokenCenterClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ITokenCenterClient"/> (a singleton) configured by <paramref name="configure"/>:
    /// <c>services.AddTokenCenterClient(o => { o.Addresses = ["http://tokencenter:5001"]; o.ApiKey = "…"; })</c>.
    /// Options are validated at start. <see cref="TimeProvider.System"/> is registered unless a
    /// <see cref="TimeProvider"/> was registered before.
    /// </summary>
    public static IServiceCollection AddTokenCenterClient(this IServiceCollection services, Action<TokenCenterClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<TokenCenterClientOptions>().Configure(configure);
        return AddCore(services);
    }

    /// <summary>
    /// Adds <see cref="ITokenCenterClient"/> with options bound from the <c>TokenCenterClient</c> section
    /// of <paramref name="configuration"/> (<c>TokenCenterClient:Addresses:0</c>, <c>TokenCenterClient:ApiKey</c>, …).
    /// </summary>
    public static IServiceCollection AddTokenCenterClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TokenCenterClientOptions>().Bind(configuration.GetSection(TokenCenterClientOptions.SectionName));
        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<TokenCenterClientOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TokenCenterClientOptions>, TokenCenterClientOptionsValidator>());
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITokenCenterClient>(sp => new TokenCenterClient(
            sp.GetRequiredService<IOptions<TokenCenterClientOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TokenCenterClient>>()));
        return services;
    }
}
