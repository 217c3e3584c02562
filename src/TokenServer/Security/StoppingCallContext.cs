using Grpc.Core;

namespace TokenCenter.Server.Security;

/// <summary>A call context whose cancellation also fires when the server starts stopping (long streams end promptly).</summary>
internal sealed class StoppingCallContext : ServerCallContext
{
    // Where Grpc.AspNetCore's GetHttpContext looks for the HttpContext of a context it did not create
    // (the key its unit-testing guidance documents); the service activator needs it.
    private const string HttpContextKey = "__HttpContext";
    private readonly ServerCallContext _inner;
    private readonly CancellationToken _cancellationToken;

    public StoppingCallContext(ServerCallContext inner, CancellationToken cancellationToken)
    {
        _inner = inner;
        _cancellationToken = cancellationToken;
        inner.UserState[HttpContextKey] = inner.GetHttpContext();
    }

    protected override string MethodCore => _inner.Method;

    protected override string HostCore => _inner.Host;

    protected override string PeerCore => _inner.Peer;

    protected override DateTime DeadlineCore => _inner.Deadline;

    protected override Metadata RequestHeadersCore => _inner.RequestHeaders;

    protected override CancellationToken CancellationTokenCore => _cancellationToken;

    protected override Metadata ResponseTrailersCore => _inner.ResponseTrailers;

    protected override Status StatusCore
    {
        get => _inner.Status;
        set => _inner.Status = value;
    }

    protected override WriteOptions? WriteOptionsCore
    {
        get => _inner.WriteOptions;
        set => _inner.WriteOptions = value;
    }

    protected override AuthContext AuthContextCore => _inner.AuthContext;

    protected override IDictionary<object, object> UserStateCore => _inner.UserState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => _inner.CreatePropagationToken(options);

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => _inner.WriteResponseHeadersAsync(responseHeaders);
}
