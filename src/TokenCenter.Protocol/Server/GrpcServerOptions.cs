namespace TokenCenter.Protocol.Server;

/// <summary>Options of the server half of the wire layer.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, after decompression; larger → RESOURCE_EXHAUSTED. Default 4 MB.</summary>
    public int MaxReceiveMessageSize { get; set; } = TokenCenter.Protocol.Internal.GrpcProtocolConstants.DefaultMaxReceiveMessageSize;

    /// <summary>
    /// Compression applied to responses when the caller's <c>grpc-accept-encoding</c> allows it:
    /// null (default) compresses only when the request itself was gzip-compressed; "gzip" always
    /// when accepted; "identity" never.
    /// </summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    /// <summary>
    /// Whether the message of an unexpected exception is sent to the caller. Default false: the
    /// caller sees UNKNOWN "Exception was thrown by handler." and the exception is logged.
    /// </summary>
    public bool EnableDetailedErrors { get; set; }
}
