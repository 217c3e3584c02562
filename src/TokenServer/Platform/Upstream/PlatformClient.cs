using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using TokenCenter.Server.Upstream;

namespace TokenCenter.Server.Platform.Upstream;

/// <summary>
/// Calls WeChat's component endpoints through the named <see cref="HttpClient"/> of the token client. Transport
/// failures and HTTP errors become errcode -1; secrets and tokens (in bodies and query strings) never reach a log.
/// </summary>
internal sealed class PlatformClient(IHttpClientFactory httpClientFactory, UpstreamCallCounter counter, ILogger<PlatformClient> logger) : IPlatformClient
{
    public async Task<UpstreamTokenResult> GetComponentTokenAsync(string componentAppId, string secret, string ticket, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId, ["component_appsecret"] = secret, ["component_verify_ticket"] = ticket };
        var answer = await PostAsync("api_component_token", componentAppId, "cgi-bin/component/api_component_token", body, cancellationToken).ConfigureAwait(false);
        return TokenOf(answer, "component_access_token");
    }

    public async Task<(int ErrCode, string ErrMsg)> StartPushTicketAsync(string componentAppId, string secret, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId, ["component_secret"] = secret };
        var answer = await PostAsync("api_start_push_ticket", componentAppId, "cgi-bin/component/api_start_push_ticket", body, cancellationToken).ConfigureAwait(false);
        return (ErrCode(answer), ErrMsg(answer));
    }

    public async Task<UpstreamTokenResult> CreatePreAuthCodeAsync(string componentAppId, string componentAccessToken, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId };
        var answer = await PostAsync("api_create_preauthcode", componentAppId, $"cgi-bin/component/api_create_preauthcode?component_access_token={Uri.EscapeDataString(componentAccessToken)}", body, cancellationToken).ConfigureAwait(false);
        return TokenOf(answer, "pre_auth_code");
    }

    public async Task<AuthorizerTokenResult> QueryAuthAsync(string componentAppId, string componentAccessToken, string authorizationCode, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId, ["authorization_code"] = authorizationCode };
        var answer = await PostAsync("api_query_auth", componentAppId, $"cgi-bin/component/api_query_auth?component_access_token={Uri.EscapeDataString(componentAccessToken)}", body, cancellationToken).ConfigureAwait(false);
        if (ErrCode(answer) != 0)
        {
            return AuthorizerTokenResult.Failure(ErrCode(answer), ErrMsg(answer));
        }

        if (answer is not { } root || !root.TryGetProperty("authorization_info", out var info) || info.ValueKind != JsonValueKind.Object)
        {
            return AuthorizerTokenResult.Failure(-1, "no authorization_info in the answer");
        }

        return AuthorizerOf(info, Text(info, "authorizer_appid"));
    }

    public async Task<AuthorizerTokenResult> RefreshAuthorizerTokenAsync(string componentAppId, string componentAccessToken, string authorizerAppId, string refreshToken, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { ["component_appid"] = componentAppId, ["authorizer_appid"] = authorizerAppId, ["authorizer_refresh_token"] = refreshToken };
        var answer = await PostAsync("api_authorizer_token", authorizerAppId, $"cgi-bin/component/api_authorizer_token?component_access_token={Uri.EscapeDataString(componentAccessToken)}", body, cancellationToken).ConfigureAwait(false);
        if (ErrCode(answer) != 0 || answer is null)
        {
            return AuthorizerTokenResult.Failure(ErrCode(answer), ErrMsg(answer));
        }

        return AuthorizerOf(answer.Value, authorizerAppId);
    }

    private static AuthorizerTokenResult AuthorizerOf(JsonElement e, string? appId)
    {
        var token = Text(e, "authorizer_access_token");
        var expires = e.TryGetProperty("expires_in", out var x) && x.TryGetInt32(out var s) ? s : 0;
        if (string.IsNullOrEmpty(token) || expires <= 0 || string.IsNullOrEmpty(appId))
        {
            return AuthorizerTokenResult.Failure(-1, "no authorizer_access_token, authorizer_appid or positive expires_in in the answer");
        }

        return new AuthorizerTokenResult(0, string.Empty, appId, token, TimeSpan.FromSeconds(expires), Text(e, "authorizer_refresh_token"));
    }

    private static UpstreamTokenResult TokenOf(JsonElement? answer, string field)
    {
        if (ErrCode(answer) != 0 || answer is null)
        {
            return UpstreamTokenResult.Failure(ErrCode(answer), ErrMsg(answer));
        }

        var value = Text(answer.Value, field);
        var expires = answer.Value.TryGetProperty("expires_in", out var x) && x.TryGetInt32(out var s) ? s : 0;
        return string.IsNullOrEmpty(value) || expires <= 0
            ? UpstreamTokenResult.Failure(-1, $"no {field} or positive expires_in in the answer")
            : UpstreamTokenResult.Success(value, TimeSpan.FromSeconds(expires));
    }

    private static int ErrCode(JsonElement? answer) =>
        answer is null ? -1
        : answer.Value.TryGetProperty("errcode", out var e) && e.TryGetInt32(out var code) ? code
        : 0;

    private static string ErrMsg(JsonElement? answer) =>
        answer is null ? "no answer from WeChat" : Text(answer.Value, "errmsg") ?? string.Empty;

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Posts JSON; null for a transport failure, an HTTP error or an unparsable answer (logged without the URL).</summary>
    private async Task<JsonElement?> PostAsync(string endpoint, string appId, string path, Dictionary<string, string> body, CancellationToken cancellationToken)
    {
        counter.Record(appId);
        try
        {
            var http = httpClientFactory.CreateClient(TokenCenter.Server.Upstream.WeChatTokenClient.HttpClientName);
            using var content = JsonContent.Create(body, PlatformJsonContext.Default.DictionaryStringString);
            using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                PlatformLog.UpstreamFailed(logger, endpoint, appId, $"HTTP {(int)response.StatusCode}");
                return null;
            }

            var answer = await response.Content.ReadFromJsonAsync(PlatformJsonContext.Default.JsonElement, cancellationToken).ConfigureAwait(false);
            if (ErrCode(answer) != 0)
            {
                PlatformLog.UpstreamError(logger, endpoint, appId, ErrCode(answer), ErrMsg(answer));
            }

            return answer;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            PlatformLog.UpstreamFailed(logger, endpoint, appId, ex.GetType().Name);
            return null;
        }
    }
}

[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class PlatformJsonContext : JsonSerializerContext;
