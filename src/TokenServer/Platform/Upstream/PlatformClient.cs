using System.Net.Http.Json;
using TokenCenter.Server.Upstream;

namespace TokenCenter.Server.Platform.Upstream;

/// <summary>
/// Calls WeChat's component endpoints through <see cref="WeChatHttp"/>, the one pipeline of every WeChat call (timeouts,
/// retries; which of these calls are retried and why: <see cref="WeChatResilience"/>). No answer becomes errcode -1;
/// secrets and tokens (in bodies and query strings) never reach a log.
/// </summary>
internal sealed class PlatformClient(WeChatHttp http) : IPlatformClient
{
    public async Task<UpstreamTokenResult> GetComponentTokenAsync(string componentAppId, string secret, string ticket, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId, ["component_appsecret"] = secret, ["component_verify_ticket"] = ticket };
        var answer = await PostAsync("cgi-bin/component/api_component_token", componentAppId, body, cancellationToken).ConfigureAwait(false);
        return UpstreamTokenResult.Of(answer, "component_access_token");
    }

    public async Task<(int ErrCode, string ErrMsg)> StartPushTicketAsync(string componentAppId, string secret, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId, ["component_secret"] = secret };
        var answer = await PostAsync("cgi-bin/component/api_start_push_ticket", componentAppId, body, cancellationToken).ConfigureAwait(false);
        return (answer.ErrCode, answer.ErrMsg);
    }

    public async Task<UpstreamTokenResult> CreatePreAuthCodeAsync(string componentAppId, string componentAccessToken, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId };
        var answer = await PostAsync(WithToken("api_create_preauthcode", componentAccessToken), componentAppId, body, cancellationToken).ConfigureAwait(false);
        return UpstreamTokenResult.Of(answer, "pre_auth_code");
    }

    public async Task<AuthorizerTokenResult> QueryAuthAsync(string componentAppId, string componentAccessToken, string authorizationCode, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId, ["authorization_code"] = authorizationCode };
        var answer = await PostAsync(WithToken("api_query_auth", componentAccessToken), componentAppId, body, cancellationToken).ConfigureAwait(false);
        if (answer.ErrCode != 0)
        {
            return AuthorizerTokenResult.Failure(answer.ErrCode, answer.ErrMsg);
        }

        return answer.Object("authorization_info") is { } info
            ? AuthorizerOf(info, info.String("authorizer_appid"))
            : AuthorizerTokenResult.Failure(-1, "no authorization_info in the answer");
    }

    public async Task<AuthorizerTokenResult> RefreshAuthorizerTokenAsync(string componentAppId, string componentAccessToken, string authorizerAppId, string refreshToken, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId, ["authorizer_appid"] = authorizerAppId, ["authorizer_refresh_token"] = refreshToken };
        var answer = await PostAsync(WithToken("api_authorizer_token", componentAccessToken), authorizerAppId, body, cancellationToken).ConfigureAwait(false);
        return answer.ErrCode != 0 ? AuthorizerTokenResult.Failure(answer.ErrCode, answer.ErrMsg) : AuthorizerOf(answer, authorizerAppId);
    }

    private static AuthorizerTokenResult AuthorizerOf(WeChatAnswer answer, string? appId)
    {
        var token = answer.String("authorizer_access_token");
        if (string.IsNullOrEmpty(token) || answer.Seconds("expires_in") is not { } expiresIn || string.IsNullOrEmpty(appId))
        {
            return AuthorizerTokenResult.Failure(-1, "no authorizer_access_token, authorizer_appid or positive expires_in in the answer");
        }

        return new AuthorizerTokenResult(0, string.Empty, appId, token, expiresIn, answer.String("authorizer_refresh_token"));
    }

    private static string WithToken(string endpoint, string componentAccessToken) =>
        $"cgi-bin/component/{endpoint}?component_access_token={Uri.EscapeDataString(componentAccessToken)}";

    private Task<WeChatAnswer> PostAsync(string path, string appId, Dictionary<string, string> body, CancellationToken cancellationToken) =>
        http.SendAsync(WeChatRequest.Post(path, appId, JsonContent.Create(body, WeChatJsonContext.Default.DictionaryStringString)), cancellationToken);
}
