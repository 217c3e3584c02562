using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using TokenCenter.V1;

namespace TokenCenter.Testing;

/// <summary>
/// The methods of tokencenter.v1.TokenCenter as Grpc.Core <see cref="Method{TRequest, TResponse}"/>
/// descriptors, so a test names the method it calls and any channel (Grpc.Net.Client) can call it
/// through its call invoker. Linked into every test project that calls the server.
/// </summary>
public static class TokenCenterMethods
{
    public const string ServiceName = "tokencenter.v1.TokenCenter";

    public static readonly Method<GetTokenRequest, Token> GetToken = Create<GetTokenRequest, Token>(MethodType.Unary, ServiceName, "GetToken");

    public static readonly Method<ForceRefreshRequest, Token> ForceRefresh = Create<ForceRefreshRequest, Token>(MethodType.Unary, ServiceName, "ForceRefresh");

    public static readonly Method<WatchTokensRequest, Token> WatchTokens = Create<WatchTokensRequest, Token>(MethodType.ServerStreaming, ServiceName, "WatchTokens");

    public static readonly Method<GetStatusRequest, StatusReply> GetStatus = Create<GetStatusRequest, StatusReply>(MethodType.Unary, ServiceName, "GetStatus");

    public static readonly Method<CreatePreAuthCodeRequest, PreAuthCodeReply> CreatePreAuthCode = Create<CreatePreAuthCodeRequest, PreAuthCodeReply>(MethodType.Unary, ServiceName, "CreatePreAuthCode");

    public static readonly Method<ListAuthorizersRequest, ListAuthorizersReply> ListAuthorizers = Create<ListAuthorizersRequest, ListAuthorizersReply>(MethodType.Unary, ServiceName, "ListAuthorizers");

    internal static Method<TRequest, TResponse> Create<TRequest, TResponse>(MethodType type, string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(type, service, name, Marshaller<TRequest>(), Marshaller<TResponse>());

    private static Marshaller<T> Marshaller<T>()
        where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);
    }
}

/// <summary>grpc.health.v1.Health's methods (the service Grpc.AspNetCore.HealthChecks serves).</summary>
public static class HealthMethods
{
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = TokenCenterMethods.Create<HealthCheckRequest, HealthCheckResponse>(MethodType.Unary, "grpc.health.v1.Health", "Check");

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch = TokenCenterMethods.Create<HealthCheckRequest, HealthCheckResponse>(MethodType.ServerStreaming, "grpc.health.v1.Health", "Watch");
}

/// <summary>Calls on a Grpc.Net.Client <see cref="GrpcChannel"/> by method descriptor.</summary>
public static class GrpcTestCalls
{
    public static Task<TResponse> UnaryAsync<TRequest, TResponse>(this GrpcChannel channel, Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class
        where TResponse : class =>
        channel.CreateCallInvoker().AsyncUnaryCall(method, null, options, request).ResponseAsync;

    public static AsyncServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(this GrpcChannel channel, Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class
        where TResponse : class =>
        channel.CreateCallInvoker().AsyncServerStreamingCall(method, null, options, request);

    /// <summary>Every message of a server stream.</summary>
    public static IAsyncEnumerable<TResponse> ReadAllAsync<TResponse>(this AsyncServerStreamingCall<TResponse> call, CancellationToken cancellationToken = default) =>
        call.ResponseStream.ReadAllAsync(cancellationToken);

    extension(CallOptions)
    {
        /// <summary>Options with a deadline <paramref name="timeout"/> from now (gRPC deadlines are wall-clock).</summary>
        public static CallOptions WithTimeout(TimeSpan timeout, CancellationToken cancellationToken = default) =>
            new(deadline: TimeProvider.System.GetUtcNow().UtcDateTime + timeout, cancellationToken: cancellationToken);
    }
}
