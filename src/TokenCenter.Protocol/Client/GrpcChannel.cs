using Google.Protobuf;
using TokenCenter.Protocol.Client.Internal;

namespace TokenCenter.Protocol.Client;

/// <summary>
/// The client half of the wire layer: calls gRPC methods over one shared HTTP/2 connection pool
/// (h2c for http:// addresses, TLS with ALPN for https://). Thread-safe; create one per server
/// address and share it.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        Address = address;
        Options = options;
        var handler = options.HttpHandler ?? new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        _invoker = new HttpMessageInvoker(handler, options.HttpHandler is null || options.DisposeHttpHandler);
    }

    /// <summary>The server address, e.g. http://127.0.0.1:5001/.</summary>
    public Uri Address { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _invoker;

    /// <summary>Creates a channel to <paramref name="address"/>.</summary>
    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"Address '{address}' must use http (h2c) or https.", nameof(address));
        }

        return new GrpcChannel(address, options ?? new GrpcChannelOptions());
    }

    /// <inheritdoc cref="ForAddress(Uri, GrpcChannelOptions?)"/>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address, UriKind.Absolute), options);

    /// <summary>Makes a unary call. Throws <see cref="RpcException"/> for any status other than OK.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        using var call = new GrpcCall<TRequest, TResponse>(this, method, options);
        return await call.UnaryAsync(request).ConfigureAwait(false);
    }

    /// <summary>Starts a server-streaming call; read it with <see cref="AsyncServerStreamingCall{T}.ReadAllAsync"/>.</summary>
    public AsyncServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        var call = new GrpcCall<TRequest, TResponse>(this, method, options);
        return new AsyncServerStreamingCall<TResponse>(call.StartStreaming(request), call);
    }

    /// <inheritdoc />
    public void Dispose() => _invoker.Dispose();
}
