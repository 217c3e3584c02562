using Microsoft.Extensions.Logging;
using TokenCenter.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the <see cref="WeChatAccessTokenHandler"/> to an HttpClient that calls WeChat APIs.</summary>
public static class WeChatHttpClientBuilderExtensions
{
    /// <summary>
    /// Every request of this client gets <c>access_token</c> of <paramref name="appId"/> from TokenCenter;
    /// a rejected token (40001 / 40014 / 42001) is refreshed and the request retried once:
    /// <c>services.AddHttpClient("wechat").AddWeChatAccessToken(appId)</c>. Needs <c>AddTokenCenterClient</c>.
    /// </summary>
    public static IHttpClientBuilder AddWeChatAccessToken(this IHttpClientBuilder builder, string appId) =>
        AddWeChatAccessToken(builder, TokenKey.AccessToken(appId));

    /// <summary>
    /// As <see cref="AddWeChatAccessToken(IHttpClientBuilder, string)"/> for any access-token key: an
    /// authorizer's access_token, or a platform's component_access_token (sent as <c>component_access_token</c>).
    /// </summary>
    public static IHttpClientBuilder AddWeChatAccessToken(this IHttpClientBuilder builder, TokenKey key)
    {
        ArgumentNullException.ThrowIfNull(builder);
        _ = WeChatAccessTokenHandler.QueryParameterOf(key); // fails now for a ticket key
        return builder.AddHttpMessageHandler(sp => new WeChatAccessTokenHandler(
            sp.GetRequiredService<ITokenCenterClient>(),
            key,
            sp.GetRequiredService<ILogger<WeChatAccessTokenHandler>>()));
    }
}
