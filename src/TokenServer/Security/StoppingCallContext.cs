using TokenCenter.Protocol;
using TokenCenter.Protocol.Server;

namespace TokenCenter.Server.Security;

/// <summary>A call context whose cancellation also fires when the server starts stopping (long streams end promptly).</summary>
internal sealed class StoppingCallContext(ServerCallContext inner, CancellationToken cancellationToken) : ServerCallContext
{
    public override string Method => inner.Method;

    public override string Peer => inner.Peer;

    public override Metadata RequestHeaders => inner.RequestHeaders;

    public override Metadata ResponseTrailers => inner.ResponseTrailers;

    public override DateTime Deadline => inner.Deadline;

    public override CancellationToken CancellationToken => cancellationToken;

    public override HttpContext? HttpContext => inner.HttpContext;

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders) => inner.WriteResponseHeadersAsync(responseHeaders);
}
