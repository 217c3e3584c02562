namespace TokenCenter.Protocol.Server;

/// <summary>
/// What a service method sees of its call besides the request message: request metadata (for
/// authentication), the deadline, cancellation, and the response metadata it may add.
/// </summary>
public abstract class ServerCallContext
{
    /// <summary>The full method name, "/package.Service/Method".</summary>
    public abstract string Method { get; }

    /// <summary>The caller's address ("ipv4:127.0.0.1:5000"), for logs.</summary>
    public abstract string Peer { get; }

    /// <summary>Request metadata (custom headers; binary <c>-bin</c> values decoded).</summary>
    public abstract Metadata RequestHeaders { get; }

    /// <summary>Trailers sent with the final status.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>The call's deadline (from <c>grpc-timeout</c>), or <see cref="DateTime.MaxValue"/>.</summary>
    public abstract DateTime Deadline { get; }

    /// <summary>Fires when the caller cancels, the connection drops, the deadline passes or the server stops.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>The underlying HTTP context, for hosts that need it (TLS client certificate, features).</summary>
    public abstract Microsoft.AspNetCore.Http.HttpContext? HttpContext { get; }

    /// <summary>Sends response headers now, with the given custom metadata. Optional: they are sent with the first message otherwise.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);
}
