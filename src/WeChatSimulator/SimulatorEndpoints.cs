using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WeChatSimulator.Internal;

namespace WeChatSimulator;

/// <summary>Hosts the simulator inside any ASP.NET Core app (tests, the standalone process, <see cref="SimulatorHost"/>).</summary>
public static class SimulatorEndpoints
{
    /// <summary>Name of the <see cref="IHttpClientFactory"/> client the <see cref="SimulatorPushDriver"/> posts with.</summary>
    public const string PushHttpClientName = "WeChatSimulator.Push";

    /// <summary>
    /// Registers the <see cref="WeChatSim"/> singleton, built from <see cref="SimulatorOptions"/> (configured by
    /// <paramref name="configure"/>, validated at start) and the <see cref="TimeProvider"/> from DI
    /// (<see cref="TimeProvider.System"/> unless one is registered). A <see cref="WeChatSim"/> registered
    /// before this call is kept. Also registers the <see cref="SimulatorPushDriver"/> (posting through the
    /// <see cref="IHttpClientFactory"/> client named <see cref="PushHttpClientName"/>) and a hosted service that starts
    /// its periodic ticket push when <see cref="SimulatorOptions.PushTicketsPeriodically"/> is set.
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
        services.AddHttpClient(PushHttpClientName);
        services.TryAddSingleton(sp => new SimulatorPushDriver(
            sp.GetRequiredService<WeChatSim>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(PushHttpClientName),
            sp.GetService<ILoggerFactory>()?.CreateLogger(SimulatorLog.Category)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TicketPushService>());
        return services;
    }

    /// <summary>
    /// Maps the WeChat endpoints (<c>/cgi-bin/token</c>, <c>/cgi-bin/stable_token</c>,
    /// <c>/cgi-bin/get_api_domain_ip</c>, <c>/cgi-bin/ticket/getticket</c>, the third-party platform's
    /// <c>/cgi-bin/component/api_*</c>) and the <c>/_sim/</c> control
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
        endpoints.Map(root + "/cgi-bin/component/api_start_push_ticket", ComponentEndpoints.StartPushTicketAsync);
        endpoints.Map(root + "/cgi-bin/component/api_component_token", ComponentEndpoints.ComponentTokenAsync);
        endpoints.Map(root + "/cgi-bin/component/api_create_preauthcode", ComponentEndpoints.CreatePreAuthCodeAsync);
        endpoints.Map(root + "/cgi-bin/component/api_query_auth", ComponentEndpoints.QueryAuthAsync);
        endpoints.Map(root + "/cgi-bin/component/api_authorizer_token", ComponentEndpoints.AuthorizerTokenAsync);

        endpoints.MapGet(root + "/_sim/counters", ControlEndpoints.GetCountersAsync);
        endpoints.MapPost(root + "/_sim/counters/reset", ControlEndpoints.ResetCountersAsync);
        endpoints.MapGet(root + "/_sim/faults", ControlEndpoints.GetFaultsAsync);
        endpoints.MapPost(root + "/_sim/faults", ControlEndpoints.SetFaultsAsync);
        endpoints.MapPost(root + "/_sim/faults/clear", ControlEndpoints.ClearFaultsAsync);
        endpoints.MapGet(root + "/_sim/time", ControlEndpoints.GetTimeAsync);
        endpoints.MapPost(root + "/_sim/advance", ControlEndpoints.AdvanceAsync);
        endpoints.MapGet(root + "/_sim/apps", ControlEndpoints.GetAppsAsync);
        endpoints.MapPost(root + "/_sim/apps", ControlEndpoints.AddAppAsync);
        endpoints.MapGet(root + "/_sim/components", ComponentControlEndpoints.GetComponentsAsync);
        endpoints.MapPost(root + "/_sim/components", ComponentControlEndpoints.AddComponentAsync);
        endpoints.MapPost(root + "/_sim/components/{componentAppId}/callback", ComponentControlEndpoints.SetCallbackAsync);
        endpoints.MapPost(root + "/_sim/components/{componentAppId}/push_ticket", ComponentControlEndpoints.PushTicketAsync);
        endpoints.MapPost(root + "/_sim/components/{componentAppId}/authorize", ComponentControlEndpoints.AuthorizeAsync);
        endpoints.MapPost(root + "/_sim/components/{componentAppId}/updateauthorized", ComponentControlEndpoints.UpdateAuthorizedAsync);
        endpoints.MapPost(root + "/_sim/components/{componentAppId}/unauthorize", ComponentControlEndpoints.UnauthorizeAsync);
        return endpoints;
    }
}
