using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace TokenCenter.Server.Upstream;

/// <summary>
/// Sends one WeChat call through the WeChat HTTP client (<see cref="ClientName"/>: the resilience handler with its
/// timeouts and retries, then the handlers other parts add) and parses the final answer with <see cref="WeChatAnswer"/>.
/// Used by the token, platform and ticket clients alike. Logs failures with the endpoint and app id only, never the
/// URL (whose query may carry a secret or a token).
/// </summary>
internal sealed class WeChatHttp(IHttpClientFactory httpClientFactory, ILogger<WeChatHttp> logger)
{
    /// <summary>Name of the <see cref="HttpClient"/> registered for WeChat by <c>AddWeChatHttpClients</c>.</summary>
    public const string ClientName = "TokenCenter.WeChat";

    /// <summary>
    /// Sends <paramref name="request"/> (built by <see cref="WeChatRequest"/>; disposed here). Returns WeChat's answer
    /// or, after the retries, no answer; throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<WeChatAnswer> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using (request)
        {
            var endpoint = WeChatRequest.EndpointOf(request.RequestUri);
            var appId = WeChatRequest.AppIdOf(request);
            var answer = await SendCoreAsync(request, cancellationToken).ConfigureAwait(false);
            if (!answer.Answered)
            {
                UpstreamLog.NoAnswer(logger, endpoint, appId, answer.ErrMsg);
            }
            else if (answer.ErrCode != 0)
            {
                UpstreamLog.ErrorAnswered(logger, endpoint, appId, answer.ErrCode, answer.ErrMsg);
            }

            return answer;
        }
    }

    private async Task<WeChatAnswer> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            var http = httpClientFactory.CreateClient(ClientName);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return WeChatAnswer.NoAnswer($"HTTP {(int)response.StatusCode} from WeChat");
            }

            return WeChatAnswer.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return WeChatAnswer.NoAnswer(WeChatResilience.DescribeException(ex));
        }
    }
}
