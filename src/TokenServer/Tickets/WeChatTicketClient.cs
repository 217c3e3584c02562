using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Upstream;

namespace TokenCenter.Server.Tickets;

/// <summary>
/// <c>GET /cgi-bin/ticket/getticket?access_token=&amp;type=jsapi|wx_card</c> through the WeChat HTTP client. Transport
/// failures and HTTP errors become errcode -1; the URL (it carries the access token) never reaches a log.
/// </summary>
internal sealed class WeChatTicketClient(IHttpClientFactory httpClientFactory, UpstreamCallCounter counter, ILogger<WeChatTicketClient> logger)
{
    public async Task<UpstreamTokenResult> GetTicketAsync(string appId, string accessToken, string type, CancellationToken cancellationToken)
    {
        counter.Record(appId);
        JsonElement answer;
        try
        {
            var http = httpClientFactory.CreateClient(WeChatTokenClient.HttpClientName);
            var path = $"cgi-bin/ticket/getticket?access_token={Uri.EscapeDataString(accessToken)}&type={Uri.EscapeDataString(type)}";
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                TicketLog.UpstreamFailed(logger, type, appId, $"HTTP {(int)response.StatusCode}");
                return UpstreamTokenResult.Failure(-1, $"getticket answered HTTP {(int)response.StatusCode}");
            }

            answer = await response.Content.ReadFromJsonAsync(PlatformJsonContext.Default.JsonElement, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            TicketLog.UpstreamFailed(logger, type, appId, ex.GetType().Name);
            return UpstreamTokenResult.Failure(-1, "getticket failed: " + ex.GetType().Name);
        }

        var errcode = answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("errcode", out var e) && e.TryGetInt32(out var code) ? code : 0;
        var errmsg = answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("errmsg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? string.Empty : string.Empty;
        if (errcode != 0)
        {
            TicketLog.UpstreamError(logger, type, appId, errcode, errmsg);
            return UpstreamTokenResult.Failure(errcode, errmsg);
        }

        var ticket = answer.TryGetProperty("ticket", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var expires = answer.TryGetProperty("expires_in", out var x) && x.TryGetInt32(out var s) ? s : 0;
        if (string.IsNullOrEmpty(ticket) || expires <= 0)
        {
            return UpstreamTokenResult.Failure(-1, "no ticket or positive expires_in in the getticket answer");
        }

        TicketLog.TicketIssued(logger, type, appId, TokenFingerprint.Of(ticket), expires);
        return UpstreamTokenResult.Success(ticket, TimeSpan.FromSeconds(expires));
    }
}
