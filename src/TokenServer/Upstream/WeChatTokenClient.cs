using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Server.Options;

namespace TokenCenter.Server.Upstream;

/// <summary>
/// Calls WeChat's token endpoints through <see cref="WeChatHttp"/> (the one pipeline of every WeChat call). The request
/// URL (which carries the secret for the classic grant) never reaches a log or a message.
/// </summary>
internal sealed class WeChatTokenClient(WeChatHttp http, ILogger<WeChatTokenClient> logger) : IWeChatTokenClient
{
    /// <summary>Name of the WeChat <see cref="HttpClient"/> (<see cref="WeChatHttp.ClientName"/>), for the parts that add handlers to it.</summary>
    public const string HttpClientName = WeChatHttp.ClientName;

    public async Task<UpstreamTokenResult> GetAccessTokenAsync(AppCredentials app, bool forceRefresh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var answer = await http.SendAsync(BuildRequest(app, forceRefresh), cancellationToken).ConfigureAwait(false);
        var result = UpstreamTokenResult.Of(answer, "access_token");
        if (result.IsSuccess)
        {
            var endpoint = app.Grant == AccessTokenGrant.Classic ? "token" : "stable_token";
            UpstreamLog.TokenIssued(logger, app.AppId, endpoint, TokenFingerprint.Of(result.Token), result.ExpiresIn);
        }

        return result;
    }

    private static HttpRequestMessage BuildRequest(AppCredentials app, bool forceRefresh)
    {
        if (app.Grant == AccessTokenGrant.Classic)
        {
            return WeChatRequest.Get(
                $"cgi-bin/token?grant_type=client_credential&appid={Uri.EscapeDataString(app.AppId)}&secret={Uri.EscapeDataString(app.Secret)}",
                app.AppId);
        }

        // A forced call is sent once (see WeChatResilience): a force WeChat applied but whose answer was lost has
        // already invalidated the served token, and a second force inside 30 s answers 45009.
        var body = new StableTokenRequest("client_credential", app.AppId, app.Secret, forceRefresh);
        return WeChatRequest.Post(
            "cgi-bin/stable_token",
            app.AppId,
            JsonContent.Create(body, WeChatJsonContext.Default.StableTokenRequest),
            singleAttempt: forceRefresh);
    }
}
