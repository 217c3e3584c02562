namespace BusinessService;

/// <summary>How a business service wires TokenCenter in: the client, and an HttpClient for WeChat's APIs.</summary>
internal static class WeChatApiRegistration
{
    public const string HttpClientName = "wechat";

    public static HostApplicationBuilder AddWeChatApi(this HostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var appId = configuration["WeChat:AppId"] ?? throw new InvalidOperationException("WeChat:AppId is required");
        var baseUrl = configuration["WeChat:ApiBaseUrl"] ?? "https://api.weixin.qq.com/";

        // Tokens come from TokenCenter (section TokenCenterClient: Addresses, ApiKey, …), never from WeChat.
        builder.Services.AddTokenCenterClient(configuration);

        // Every request of this client gets ?access_token=…; a rejected token is refreshed and retried once.
        builder.Services.AddHttpClient(HttpClientName, http => http.BaseAddress = new Uri(baseUrl))
            .AddWeChatAccessToken(appId);
        builder.Services.AddSingleton<DomainIpReport>();
        return builder;
    }
}
