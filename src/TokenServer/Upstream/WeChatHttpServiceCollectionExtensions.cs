using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the one WeChat HTTP client pipeline used by every upstream call.</summary>
public static class WeChatHttpServiceCollectionExtensions
{
    /// <summary>
    /// Adds the WeChat HTTP client (named <c>TokenCenter.WeChat</c>; base address <c>Upstream:BaseUrl</c>; no default
    /// request loggers, which would log URLs carrying secrets and tokens) with <see cref="WeChatResilience"/>'s pipeline in
    /// a <see cref="ResilienceHandler"/>, the attempt counter, the sender shared by every WeChat client and the access-token
    /// client (<see cref="IWeChatTokenClient"/>, unless registered before). Needs <see cref="TokenCenterOptions"/>
    /// (<c>AddTokenEngine</c> binds them). Idempotent; callable before or after anything that adds handlers to the client.
    /// </summary>
    public static IServiceCollection AddWeChatHttpClients(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(WeChatHttpMarker)))
        {
            return services; // the HTTP client's configuration below is additive: register it once
        }

        services.AddSingleton<WeChatHttpMarker>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<UpstreamCallCounter>();
        services.TryAddSingleton<WeChatResilience>();
        services.TryAddTransient<WeChatAttemptHandler>();
        services.AddHttpClient(WeChatHttp.ClientName, (sp, http) =>
            {
                var baseUrl = sp.GetRequiredService<IOptions<TokenCenterOptions>>().Value.Upstream.BaseUrl.ToString();
                http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
                // Each attempt is bounded by Upstream:Timeout and the attempts by Upstream:MaxRetries; HttpClient's own
                // timeout would cover all attempts of a call together.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .RemoveAllLoggers();

        // The pipeline is the outermost handler of the client, whatever the order in which other parts add theirs (the
        // metrics handler, the embedded simulator's address handler, a benchmark's counter): each of those then runs once
        // per attempt, inside the attempt's timeout, as the attempt counter does. Post-configuration runs after every
        // AddHttpMessageHandler, so no call order is needed.
        services.PostConfigure<HttpClientFactoryOptions>(WeChatHttp.ClientName, o => o.HttpMessageHandlerBuilderActions.Add(b =>
        {
            b.AdditionalHandlers.Insert(0, new ResilienceHandler(b.Services.GetRequiredService<WeChatResilience>().Pipeline));
            b.AdditionalHandlers.Insert(1, b.Services.GetRequiredService<WeChatAttemptHandler>());
        }));

        services.TryAddSingleton<WeChatHttp>();
        services.TryAddSingleton<IWeChatTokenClient, WeChatTokenClient>();
        return services;
    }

    private sealed class WeChatHttpMarker;
}
