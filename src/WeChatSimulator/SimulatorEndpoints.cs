using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WeChatSimulator.Internal;

namespace WeChatSimulator;

/// <summary>Hosts the simulator inside any ASP.NET Core app (tests, the standalone process, <see cref="SimulatorHost"/>).</summary>
public static class SimulatorEndpoints
{
    /// <summary>
    /// Registers the <see cref="WeChatSim"/> singleton, built from <see cref="SimulatorOptions"/> (configured by
    /// <paramref name="configure"/>, validated at start) and the <see cref="TimeProvider"/> from DI
    /// (<see cref="TimeProvider.System"/> unless one is registered). A <see cref="WeChatSim"/> registered
    /// before this call is kept.
    /// </summary>
    public static IServiceCollection AddWeChatSimulator(this IServiceCollection services, Action<SimulatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        var options = services.AddOptions<SimulatorOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>());
        options.ValidateOnStart();
        services.TryAddSingleton(sp => new WeChatSim(
            sp.GetRequiredService<IOptions<SimulatorOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// Maps the WeChat endpoints (<c>/cgi-bin/token</c>, <c>/cgi-bin/stable_token</c>,
    /// <c>/cgi-bin/get_api_domain_ip</c>, <c>/cgi-bin/ticket/getticket</c>) and the <c>/_sim/</c> control
    /// endpoints under <paramref name="prefix"/> (e.g. <c>"/wechat"</c>; default: the root).
    /// </summary>
    public static IEndpointRouteBuilder MapWeChatSimulator(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var root = prefix.TrimEnd('/');
        if (root.Length > 0 && root[0] != '/')
        {
            root = "/" + root;
        }

        endpoints.MapGet(root + "/cgi-bin/token", ClassicTokenEndpoint.HandleAsync);
        endpoints.Map(root + "/cgi-bin/stable_token", StableTokenEndpoint.HandleAsync);
        endpoints.MapGet(root + "/cgi-bin/get_api_domain_ip", BusinessApiEndpoints.GetApiDomainIpAsync);
        endpoints.MapGet(root + "/cgi-bin/ticket/getticket", BusinessApiEndpoints.GetTicketAsync);

        endpoints.MapGet(root + "/_sim/counters", ControlEndpoints.GetCountersAsync);
        endpoints.MapPost(root + "/_sim/counters/reset", ControlEndpoints.ResetCountersAsync);
        endpoints.MapGet(root + "/_sim/faults", ControlEndpoints.GetFaultsAsync);
        endpoints.MapPost(root + "/_sim/faults", ControlEndpoints.SetFaultsAsync);
        endpoints.MapPost(root + "/_sim/faults/clear", ControlEndpoints.ClearFaultsAsync);
        endpoints.MapGet(root + "/_sim/time", ControlEndpoints.GetTimeAsync);
        endpoints.MapPost(root + "/_sim/advance", ControlEndpoints.AdvanceAsync);
        endpoints.MapGet(root + "/_sim/apps", ControlEndpoints.GetAppsAsync);
        endpoints.MapPost(root + "/_sim/apps", ControlEndpoints.AddAppAsync);
        return endpoints;
    }
}
