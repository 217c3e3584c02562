using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Tickets;
using TokenCenter.V1;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the JS-SDK tickets (JSAPI_TICKET, WX_CARD_TICKET).</summary>
public static class TokenTicketServiceCollectionExtensions
{
    /// <summary>
    /// Adds the JSAPI_TICKET and WX_CARD_TICKET sources (getticket with the access token of the same app: a configured
    /// app's, or an authorizer's when the key names a component), their dynamic keys (a ticket's slot is created on its
    /// first request, <see cref="JsSdkTicketKeyProvider"/>), their registry and their proactive refresher (hosted
    /// service). Called by <c>AddTokenEngine</c>; calling it again adds nothing.
    /// </summary>
    public static IServiceCollection AddJsSdkTickets(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(WeChatTicketClient)))
        {
            return services;
        }

        services.TryAddSingleton<WeChatTicketClient>();
        foreach (var kind in new[] { TokenKind.JsapiTicket, TokenKind.WxCardTicket })
        {
            services.AddSingleton<ITokenSource>(sp => new JsSdkTicketSource(
                kind, sp.GetRequiredService<Lazy<IAccessTokenReader>>(), sp.GetRequiredService<WeChatTicketClient>(), sp.GetRequiredService<IOptions<TokenCenterOptions>>(), sp.GetRequiredService<ILogger<JsSdkTicketSource>>()));
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDynamicKeyProvider, JsSdkTicketKeyProvider>());
        services.TryAddSingleton<JsSdkTicketRegistry>();
        services.AddHostedService<JsSdkTicketRefresher>();
        return services;
    }
}
