using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;

namespace TokenCenter.Server.Upstream;

/// <summary>
/// Asks WeChat whether an access_token is accepted, with the cheapest business API that takes one:
/// <c>GET /cgi-bin/get_api_domain_ip?access_token=</c>, one attempt within <c>Upstream:Timeout</c>.
/// The request URL carries the token: the named client logs no URLs.
/// </summary>
internal sealed class WeChatTokenProbe(IHttpClientFactory httpClientFactory, IOptions<TokenCenterOptions> options)
{
    private readonly TimeSpan _timeout = options.Value.Upstream.Timeout;

    public async Task<TokenProbeResult> CheckAsync(string accessToken, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_timeout);
        try
        {
            var http = httpClientFactory.CreateClient(WeChatTokenClient.HttpClientName);
            using var response = await http.GetAsync(
                new Uri($"cgi-bin/get_api_domain_ip?access_token={Uri.EscapeDataString(accessToken)}", UriKind.Relative),
                cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return new TokenProbeResult(TokenProbeVerdict.Unavailable, -1);
            }

            var body = await response.Content.ReadFromJsonAsync(WeChatJsonContext.Default.WeChatTokenResponse, cts.Token).ConfigureAwait(false);
            return body?.ErrCode switch
            {
                null => new TokenProbeResult(TokenProbeVerdict.Unavailable, -1),
                0 => new TokenProbeResult(TokenProbeVerdict.Accepted, 0),
                40001 or 40014 or 42001 => new TokenProbeResult(TokenProbeVerdict.Rejected, body.ErrCode),
                -1 => new TokenProbeResult(TokenProbeVerdict.Unavailable, -1),
                _ => new TokenProbeResult(TokenProbeVerdict.Inconclusive, body.ErrCode),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new TokenProbeResult(TokenProbeVerdict.Unavailable, -1);
        }
    }
}

/// <summary>What WeChat said about a token: accepted, rejected (40001, 40014, 42001), another errcode, or no answer.</summary>
internal enum TokenProbeVerdict
{
    Accepted,
    Rejected,
    Inconclusive,
    Unavailable,
}

/// <summary>A probe's verdict and WeChat's errcode (-1 without an answer).</summary>
internal readonly record struct TokenProbeResult(TokenProbeVerdict Verdict, int ErrCode);
