using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;

namespace TokenCenter.Server.Upstream;

/// <summary>
/// Calls WeChat's token endpoints through the named HTTP client <see cref="HttpClientName"/> and the
/// resilience pipeline. The request URL (which carries the secret for the classic grant) never reaches
/// a log or a message.
/// </summary>
internal sealed class WeChatTokenClient(
    IHttpClientFactory httpClientFactory,
    ResiliencePipeline<UpstreamTokenResult> pipeline,
    UpstreamCallCounter counter,
    ILogger<WeChatTokenClient> logger) : IWeChatTokenClient
{
    /// <summary>Name of the <see cref="HttpClient"/> registered for WeChat.</summary>
    public const string HttpClientName = "TokenCenter.WeChat";

    public async Task<UpstreamTokenResult> GetAccessTokenAsync(AppCredentials app, bool forceRefresh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var endpoint = app.Grant == AccessTokenGrant.Classic ? "token" : "stable_token";
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(WeChatResilience.CallInfo, (endpoint, app.AppId));
        // A force WeChat applied but whose answer was lost has already invalidated the served token,
        // and a second force inside 30 s answers 45009: forced calls get one attempt (the engine then
        // asks normal mode which token is current).
        context.Properties.Set(WeChatResilience.SingleAttempt, forceRefresh && app.Grant == AccessTokenGrant.Stable);
        UpstreamTokenResult result;
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    try
                    {
                        return Outcome.FromResult(await state.Self.SendOnceAsync(state.App, state.Force, ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception ex)
                    {
                        return Outcome.FromException<UpstreamTokenResult>(ex);
                    }
                },
                context,
                (Self: this, App: app, Force: forceRefresh)).ConfigureAwait(false);
            if (outcome.Exception is { } ex)
            {
                if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }

                result = UpstreamTokenResult.NoAnswer(WeChatResilience.DescribeException(ex));
            }
            else
            {
                result = outcome.Result!;
            }
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (result.IsSuccess)
        {
            UpstreamLog.TokenIssued(logger, app.AppId, endpoint, TokenFingerprint.Of(result.Token), result.ExpiresIn);
        }
        else
        {
            UpstreamLog.ErrorAnswered(logger, endpoint, app.AppId, result.ErrCode, result.ErrMsg);
        }

        return result;
    }

    private async Task<UpstreamTokenResult> SendOnceAsync(AppCredentials app, bool forceRefresh, CancellationToken cancellationToken)
    {
        counter.Record(app.AppId);
        using var request = BuildRequest(app, forceRefresh);
        var http = httpClientFactory.CreateClient(HttpClientName);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new TransientUpstreamException((int)response.StatusCode, $"HTTP {(int)response.StatusCode} from WeChat");
        }

        var body = await response.Content.ReadFromJsonAsync(WeChatJsonContext.Default.WeChatTokenResponse, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException("empty answer");
        if (body.ErrCode != 0 || string.IsNullOrEmpty(body.AccessToken))
        {
            return UpstreamTokenResult.Failure(body.ErrCode != 0 ? body.ErrCode : -1, body.ErrMsg ?? "no access_token in the answer");
        }

        if (body.ExpiresIn <= 0)
        {
            return UpstreamTokenResult.Failure(-1, $"expires_in {body.ExpiresIn} is not positive");
        }

        return UpstreamTokenResult.Success(body.AccessToken, TimeSpan.FromSeconds(body.ExpiresIn));
    }

    private static HttpRequestMessage BuildRequest(AppCredentials app, bool forceRefresh)
    {
        if (app.Grant == AccessTokenGrant.Classic)
        {
            var query = $"cgi-bin/token?grant_type=client_credential&appid={Uri.EscapeDataString(app.AppId)}&secret={Uri.EscapeDataString(app.Secret)}";
            return new HttpRequestMessage(HttpMethod.Get, new Uri(query, UriKind.Relative));
        }

        var body = new StableTokenRequest("client_credential", app.AppId, app.Secret, forceRefresh);
        return new HttpRequestMessage(HttpMethod.Post, new Uri("cgi-bin/stable_token", UriKind.Relative))
        {
            Content = JsonContent.Create(body, WeChatJsonContext.Default.StableTokenRequest),
        };
    }
}
