using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Callback;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the third-party platform's callback endpoint.</summary>
public static class CallbackEndpointRouteBuilderExtensions
{
    /// <summary>Maps <c>POST TokenCenter:Platform:CallbackPath</c> (default <c>/wechat/callback/{componentAppId}</c>), rate limited per sender (<c>Limits:*</c>; HTTP 429).</summary>
    public static IEndpointRouteBuilder MapWeChatCallback(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var path = endpoints.ServiceProvider.GetRequiredService<IOptions<PlatformOptions>>().Value.Platform.CallbackPath;
        var handler = endpoints.ServiceProvider.GetRequiredService<CallbackEndpoint>();
        endpoints.MapPost(path, (HttpContext context, string componentAppId) => handler.HandleAsync(context, componentAppId))
            .RequireRateLimiting(TokenCenter.Server.Security.GrpcRateLimiting.HttpPolicy);
        return endpoints;
    }
}
