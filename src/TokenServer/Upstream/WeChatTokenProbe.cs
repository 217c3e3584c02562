namespace TokenCenter.Server.Upstream;

/// <summary>
/// Asks WeChat whether an access_token is accepted, with the cheapest business API that takes one:
/// <c>GET /cgi-bin/get_api_domain_ip?access_token=</c>, one attempt (single-attempt request) within <c>Upstream:Timeout</c>.
/// The request URL carries the token: the WeChat client logs no URLs.
/// </summary>
internal sealed class WeChatTokenProbe(WeChatHttp http)
{
    public async Task<TokenProbeResult> CheckAsync(string appId, string accessToken, CancellationToken cancellationToken)
    {
        var request = WeChatRequest.Get($"cgi-bin/get_api_domain_ip?access_token={Uri.EscapeDataString(accessToken)}", appId, singleAttempt: true);
        var answer = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return answer switch
        {
            { Answered: false } or { ErrCode: -1 } => new TokenProbeResult(TokenProbeVerdict.Unavailable, -1),
            { ErrCode: 0 } => new TokenProbeResult(TokenProbeVerdict.Accepted, 0),
            { ErrCode: 40001 or 40014 or 42001 } => new TokenProbeResult(TokenProbeVerdict.Rejected, answer.ErrCode),
            _ => new TokenProbeResult(TokenProbeVerdict.Inconclusive, answer.ErrCode),
        };
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
