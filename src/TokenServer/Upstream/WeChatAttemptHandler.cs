namespace TokenCenter.Server.Upstream;

/// <summary>
/// One HTTP attempt to WeChat, just inside the resilience handler (see <c>AddWeChatHttpClients</c>): counts it per
/// app per day (retries included, for the status page's calls of the day) and reads the whole body within the
/// attempt's timeout, so that the retry decision (errcode -1 arrives in a 200 body) reads a buffered body.
/// </summary>
internal sealed class WeChatAttemptHandler(UpstreamCallCounter counter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        counter.Record(WeChatRequest.AppIdOf(request));
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return response;
    }
}
