namespace TokenCenter.Server.Hosting;

/// <summary>
/// The embedded simulator lives on this process's own web listener, so it answers only once the server
/// listens. Hosted services (the startup refresh among them) start before Kestrel binds: this handler
/// holds their upstream requests until the application has started, instead of letting them fail
/// against a port nobody listens on yet (and burn their retries, which made a slow start fail the first
/// refresh). When the web listener is configured with port 0, it also puts the bound port into requests
/// addressed to the configured port-0 authority (the engine's upstream calls and the simulator's pushes).
/// </summary>
internal sealed class EmbeddedSimulatorAddressHandler(ListenerAddresses addresses, IHostApplicationLifetime lifetime) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = lifetime.ApplicationStarted;
        if (!started.IsCancellationRequested)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(started, cancellationToken);
            try
            {
                await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (started.IsCancellationRequested)
            {
            }
        }

        if (request.RequestUri is { IsAbsoluteUri: true, Port: 0 } uri && addresses.Get(ListenerAddresses.Names.Web) is { } web)
        {
            request.RequestUri = new UriBuilder(uri) { Port = web.Port }.Uri;
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
