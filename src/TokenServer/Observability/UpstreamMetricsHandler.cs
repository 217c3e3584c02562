using System.Diagnostics;
using TokenCenter.Server.Upstream;

namespace TokenCenter.Server.Observability;

/// <summary>
/// Measures each HTTP attempt to WeChat's token endpoints (latency by endpoint) and counts error
/// answers by errcode. Sees only the path's last segment and the answer's <c>errcode</c>: never the
/// query (which carries the classic grant's secret) nor the token.
/// </summary>
internal sealed class UpstreamMetricsHandler(TokenCenterMetrics metrics, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var endpoint = EndpointOf(request.RequestUri);
        var started = time.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            metrics.UpstreamCall(endpoint, time.GetElapsedTime(started));
            metrics.UpstreamError(endpoint, ex is HttpRequestException ? "transport" : "timeout");
            throw;
        }

        if (!response.IsSuccessStatusCode)
        {
            metrics.UpstreamCall(endpoint, time.GetElapsedTime(started));
            metrics.UpstreamError(endpoint, "http_" + (int)response.StatusCode);
            return response;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        metrics.UpstreamCall(endpoint, time.GetElapsedTime(started));
        if (await ReadErrCodeAsync(response, cancellationToken).ConfigureAwait(false) is { } errcode and not 0)
        {
            metrics.UpstreamError(endpoint, errcode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return response;
    }

    private static string EndpointOf(Uri? uri)
    {
        var last = WeChatRequest.EndpointOf(uri);
        return last is "token" or "stable_token" or "getticket" or "api_component_token" or "api_authorizer_token" ? last : "other";
    }

    private static async Task<int?> ReadErrCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        WeChatAnswer.ErrCodeOf(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false)) ?? -1;
}
