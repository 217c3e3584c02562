using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Server.Upstream;

namespace TokenCenter.Server.Tickets;

/// <summary>
/// <c>GET /cgi-bin/ticket/getticket?access_token=&amp;type=jsapi|wx_card</c> through <see cref="WeChatHttp"/>, the one
/// pipeline of every WeChat call (timeouts, retries on -1 / 5xx). No answer becomes errcode -1; the URL (it carries
/// the access token) never reaches a log.
/// </summary>
internal sealed class WeChatTicketClient(WeChatHttp http, ILogger<WeChatTicketClient> logger)
{
    public async Task<UpstreamTokenResult> GetTicketAsync(string appId, string accessToken, string type, CancellationToken cancellationToken)
    {
        var path = $"cgi-bin/ticket/getticket?access_token={Uri.EscapeDataString(accessToken)}&type={Uri.EscapeDataString(type)}";
        var answer = await http.SendAsync(WeChatRequest.Get(path, appId), cancellationToken).ConfigureAwait(false);
        var result = UpstreamTokenResult.Of(answer, "ticket");
        if (result.IsSuccess)
        {
            TicketLog.TicketIssued(logger, type, appId, TokenFingerprint.Of(result.Token), (int)result.ExpiresIn.TotalSeconds);
        }

        return result;
    }
}
