using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace TokenCenter.Protocol;

/// <summary>Whether a method streams its responses.</summary>
public enum GrpcMethodType
{
    /// <summary>One request, one response.</summary>
    Unary,

    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming,
}

/// <summary>
/// One gRPC method, built from the protoc-generated descriptor so that names and message types can
/// never drift from the .proto: <c>GrpcMethod.Create&lt;GetTokenRequest, Token&gt;(descriptor, "GetToken")</c>.
/// </summary>
public sealed class GrpcMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private GrpcMethod(string serviceName, string name, GrpcMethodType type)
    {
        ServiceName = serviceName;
        Name = name;
        Type = type;
        FullName = "/" + serviceName + "/" + name;
    }

    /// <summary>Fully qualified service name, e.g. "tokencenter.v1.TokenCenter".</summary>
    public string ServiceName { get; }

    /// <summary>Method name, e.g. "GetToken".</summary>
    public string Name { get; }

    /// <summary>The HTTP/2 :path, "/service/method".</summary>
    public string FullName { get; }

    /// <summary>Unary or server streaming.</summary>
    public GrpcMethodType Type { get; }

    /// <summary>Parser of request messages.</summary>
    public MessageParser<TRequest> RequestParser { get; } = new(() => new TRequest());

    /// <summary>Parser of response messages.</summary>
    public MessageParser<TResponse> ResponseParser { get; } = new(() => new TResponse());

    /// <summary>
    /// Builds the method <paramref name="methodName"/> of <paramref name="service"/>, checking that
    /// its request and response types are <typeparamref name="TRequest"/> and <typeparamref name="TResponse"/>.
    /// Client-streaming and bidirectional methods are not supported by this wire layer.
    /// </summary>
    public static GrpcMethod<TRequest, TResponse> Create(ServiceDescriptor service, string methodName)
    {
        ArgumentNullException.ThrowIfNull(service);
        var method = service.FindMethodByName(methodName)
            ?? throw new ArgumentException($"Service {service.FullName} has no method {methodName}.", nameof(methodName));
        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException($"{service.FullName}.{methodName} takes {method.InputType.FullName} and returns {method.OutputType.FullName}, not {typeof(TRequest).Name} / {typeof(TResponse).Name}.", nameof(methodName));
        }

        if (method.IsClientStreaming)
        {
            throw new NotSupportedException($"{service.FullName}.{methodName} is client-streaming, which this wire layer does not support.");
        }

        return new GrpcMethod<TRequest, TResponse>(service.FullName, method.Name, method.IsServerStreaming ? GrpcMethodType.ServerStreaming : GrpcMethodType.Unary);
    }
}
