using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using TokenCenter.V1;

namespace TokenCenter.Testing;

// gRPC calls in tests and the bench: method descriptors (TokenCenterMethods, HealthMethods), calls by descriptor on a
// Grpc.Net.Client channel (GrpcTestCalls), and hand-made requests over h2c (RawGrpc). Linked into every test project that
// calls the server and into bench/TokenCenter.Bench.

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

/// <summary>
/// Hand-made gRPC requests over h2c with a plain HttpClient: malformed on purpose (tests), or as a baseline client and to
/// capture answers (bench). Reads the status as a client would.
/// </summary>
public static class RawGrpc
{
    private static readonly HttpClient Shared = new(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    public sealed record Result(HttpResponseMessage Response, string? HeaderStatus, string? Status, string? Message);

    /// <summary>An h2c-only client that opens more connections under load (for baselines).</summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
    })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static Task<Result> SendAsync(Uri address, string path, byte[] body, string? key = null, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(address, path, new ByteArrayContent(body), key, configure);

    /// <summary>POSTs <paramref name="content"/> as a gRPC request to <paramref name="path"/>; the answer with its grpc-status and grpc-message.</summary>
    public static async Task<Result> SendAsync(Uri address, string path, HttpContent content, string? key = null, Action<HttpRequestMessage>? configure = null, HttpClient? client = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + key);
        }

        configure?.Invoke(request);
        // Headers first: a trailers-only answer (e.g. DEADLINE_EXCEEDED while the body is still being
        // sent) carries its status there, even when the server then resets the unfinished upload.
        var response = await (client ?? Shared).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var headerStatus = Get(response.Headers, "grpc-status");
        try
        {
            _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException) when (headerStatus is not null)
        {
        }

        var status = headerStatus ?? Get(response.TrailingHeaders, "grpc-status");
        var message = Get(response.Headers, "grpc-message") ?? Get(response.TrailingHeaders, "grpc-message");
        return new Result(response, headerStatus, status, message is null ? null : Uri.UnescapeDataString(message));
    }

    /// <summary>POSTs one framed request to <paramref name="url"/>; returns the framed response body. Throws unless grpc-status is 0.</summary>
    public static async Task<byte[]> PostAsync(HttpClient client, Uri url, byte[] frame, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var status = Get(response.TrailingHeaders, "grpc-status") ?? Get(response.Headers, "grpc-status") ?? "(none)";
        if (status != "0")
        {
            throw new InvalidOperationException($"{url} answered HTTP {(int)response.StatusCode} grpc-status {status}");
        }

        return body;
    }

    /// <summary>One uncompressed length-prefixed message.</summary>
    public static byte[] Message(IMessage message) => Frame(0, message.ToByteArray());

    /// <summary>A length-prefixed frame; <paramref name="declaredLength"/> may lie about the payload's length.</summary>
    public static byte[] Frame(byte flag, byte[] payload, uint? declaredLength = null)
    {
        var bytes = new byte[5 + payload.Length];
        bytes[0] = flag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(bytes, 5);
        return bytes;
    }

    private static string? Get(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var v) ? string.Join(',', v) : null;
}
