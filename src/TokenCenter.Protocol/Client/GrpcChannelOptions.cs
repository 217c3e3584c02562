namespace TokenCenter.Protocol.Client;

/// <summary>Options of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>
    /// The handler to send requests with (e.g. a <see cref="SocketsHttpHandler"/> with client
    /// certificates). Default: a shared <see cref="SocketsHttpHandler"/> with HTTP/2 keep-alive pings.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/>. Default true.</summary>
    public bool DisposeHttpHandler { get; set; } = true;

    /// <summary>Largest response message accepted; larger → RESOURCE_EXHAUSTED. Default 4 MB.</summary>
    public int MaxReceiveMessageSize { get; set; } = TokenCenter.Protocol.Internal.GrpcProtocolConstants.DefaultMaxReceiveMessageSize;

    /// <summary>The <c>user-agent</c> header sent with every call.</summary>
    public string UserAgent { get; set; } = "grpc-dotnet-tokencenter/1.0";
}
