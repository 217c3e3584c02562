namespace TokenCenter.Server.Hosting;

/// <summary>
/// The embedded simulator lives on this process's own web listener. When that listener is configured
/// with port 0, its port is chosen at bind time, after the upstream address and the simulator's callback
/// URLs were derived from configuration; this handler puts the bound port into requests addressed to
/// the configured port-0 authority (the engine's upstream calls and the simulator's pushes).
/// </summary>
internal sealed class EmbeddedSimulatorAddressHandler(ListenerAddresses addresses) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { IsAbsoluteUri: true, Port: 0 } uri && addresses.Get(ListenerAddresses.Names.Web) is { } web)
        {
            request.RequestUri = new UriBuilder(uri) { Port = web.Port }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
