using System.Net;
using Google.Protobuf;
using TokenCenter.Protocol.Client;
using TokenCenter.Protocol.Internal;
using TokenCenter.Testing.V1;

namespace TokenCenter.Protocol.Tests;

[Collection(nameof(EchoServerCollection))]
public sealed class LoopbackCallTests(EchoServerFixture server)
{
    private const string UnaryPath = "/tokencenter.testing.v1.Echo/Unary";

    [Fact]
    public async Task Unary_call_round_trips_over_h2c()
    {
        var reply = await server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod, new EchoRequest { Message = "hi", Payload = ByteString.CopyFromUtf8("data") });

        Assert.Equal("hi", reply.Message);
        Assert.Equal("data", reply.Payload.ToStringUtf8());
    }

    [Fact]
    public async Task Request_metadata_reaches_the_handler_and_trailers_come_back_including_binary()
    {
        var headers = new Metadata { { "x-echo", "value-1" }, { "x-data-bin", new byte[] { 0, 200, 255, 1 } }, { "authorization", "Bearer abc" } };
        var reply = await server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod, new EchoRequest { Message = "meta" }, new CallOptions(Headers: headers));

        Assert.Equal("meta", reply.Message);
        Assert.Equal("Bearer abc", server.LastRequestHeaders!.GetValue("authorization"));
        Assert.Equal(new byte[] { 0, 200, 255, 1 }, server.LastRequestHeaders.GetValueBytes("x-data-bin"));
    }

    [Fact]
    public async Task Handler_status_with_non_ascii_message_and_trailers_reaches_the_client()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod,
            new EchoRequest { Message = "fail", FailCode = (int)StatusCode.NotFound, FailMessage = "应用 wx123 未配置 — 100% sûr" }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("应用 wx123 未配置 — 100% sûr", ex.Status.Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-failure"));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, ex.Trailers.GetValueBytes("x-detail-bin"));
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.NotFound)]
    [InlineData(StatusCode.PermissionDenied)]
    [InlineData(StatusCode.Unauthenticated)]
    [InlineData(StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.Unavailable)]
    public async Task Every_status_a_handler_throws_is_sent_as_trailers_only(StatusCode code)
    {
        var bytes = GrpcFrame.ToArray(new EchoRequest { FailCode = (int)code, FailMessage = "m" }, gzip: false);

        var (response, status, message) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, bytes);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("grpc-status"), "trailers-only: the status is in the single HEADERS frame");
        Assert.Equal(((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture), status);
        Assert.Equal("m", message);
    }

    [Fact]
    public async Task Unexpected_exception_becomes_unknown_without_details()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod, new EchoRequest { Message = "throw" }));

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("secret internals", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_method_is_unimplemented_and_the_server_keeps_serving()
    {
        var bytes = GrpcFrame.ToArray(new EchoRequest(), gzip: false);

        var (_, status, message) = await RawGrpc.SendAsync(server.H2cAddress, "/tokencenter.testing.v1.Echo/Nope", bytes);

        Assert.Equal("12", status);
        Assert.Contains("/tokencenter.testing.v1.Echo/Nope", message, StringComparison.Ordinal);
        await AssertStillServing();
    }

    [Fact]
    public async Task Truncated_message_is_internal_with_a_message()
    {
        var (_, status, message) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, RawGrpc.Frame(0, 100, new byte[10]));

        Assert.Equal("13", status);
        Assert.Contains("Incomplete message", message, StringComparison.Ordinal);
        await AssertStillServing();
    }

    [Fact]
    public async Task Empty_request_body_is_internal_with_a_message()
    {
        var (_, status, message) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, []);

        Assert.Equal("13", status);
        Assert.Contains("without a message", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compressed_flag_without_grpc_encoding_is_internal()
    {
        var (_, status, message) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, RawGrpc.Frame(1, 3, [1, 2, 3]));

        Assert.Equal("13", status);
        Assert.Contains("grpc-encoding", message, StringComparison.Ordinal);
        await AssertStillServing();
    }

    [Fact]
    public async Task Garbage_protobuf_payload_is_internal()
    {
        var (_, status, _) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, RawGrpc.Frame(0, 4, [0xFF, 0xFF, 0xFF, 0xFF]));

        Assert.Equal("13", status);
        await AssertStillServing();
    }

    [Fact]
    public async Task Unsupported_grpc_encoding_is_unimplemented_and_lists_accepted_encodings()
    {
        var bytes = GrpcFrame.ToArray(new EchoRequest(), gzip: false);

        var (response, status, _) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, bytes, configure: r => r.Headers.TryAddWithoutValidation("grpc-encoding", "br"));

        Assert.Equal("12", status);
        Assert.Equal("identity,gzip", string.Join(',', response.Headers.GetValues("grpc-accept-encoding")));
    }

    [Fact]
    public async Task Malformed_grpc_timeout_is_internal()
    {
        var bytes = GrpcFrame.ToArray(new EchoRequest(), gzip: false);

        var (_, status, message) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, bytes, configure: r => r.Headers.TryAddWithoutValidation("grpc-timeout", "soon"));

        Assert.Equal("13", status);
        Assert.Contains("grpc-timeout", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Message_at_the_size_limit_is_served_and_one_byte_over_is_resource_exhausted()
    {
        // EchoRequest { payload = N bytes } serializes to 1 (tag) + 3 (varint length) + N bytes.
        var atLimit = new EchoRequest { Payload = ByteString.CopyFrom(new byte[EchoServerFixture.MaxMessageSize - 4]) };
        Assert.Equal(EchoServerFixture.MaxMessageSize, atLimit.CalculateSize());
        var reply = await server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod, atLimit);
        Assert.Equal(atLimit.Payload.Length, reply.Payload.Length);

        var over = new EchoRequest { Payload = ByteString.CopyFrom(new byte[EchoServerFixture.MaxMessageSize - 3]) };
        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod, over));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        await AssertStillServing();
    }

    [Fact]
    public async Task Wrong_content_type_is_answered_415()
    {
        var (response, _, _) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, [1, 2, 3], contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Http11_grpc_request_on_the_mixed_listener_is_answered_426()
    {
        var bytes = GrpcFrame.ToArray(new EchoRequest(), gzip: false);

        var (response, status, _) = await RawGrpc.SendAsync(server.MixedAddress, UnaryPath, bytes, version: HttpVersion.Version11);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Null(status);
    }

    [Fact]
    public async Task Http11_on_the_h2c_port_is_refused_with_400_and_the_server_keeps_serving()
    {
        var bytes = GrpcFrame.ToArray(new EchoRequest(), gzip: false);

        var (response, status, _) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, bytes, version: HttpVersion.Version11);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(status);

        await AssertStillServing();
    }

    [Fact]
    public async Task Gzip_request_is_accepted_and_the_response_is_gzip_compressed()
    {
        var big = new string('z', 20_000);
        var reply = await server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod, new EchoRequest { Message = big }, new CallOptions(CompressRequest: true));

        Assert.Equal(big, reply.Message);
        Assert.Equal("gzip", server.LastRequestEncoding);

        var bytes = GrpcFrame.ToArray(new EchoRequest { Message = big }, gzip: true);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.H2cAddress, UnaryPath))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(bytes),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");
        request.Headers.TryAddWithoutValidation("grpc-accept-encoding", "gzip");
        using var client = new HttpClient();
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("gzip", string.Join(',', response.Headers.GetValues("grpc-encoding")));
        Assert.Equal(1, body[0]);
        Assert.True(body.Length < 1000, $"compressed response of {body.Length} bytes");
    }

    [Fact]
    public async Task Response_is_not_compressed_for_a_client_that_does_not_accept_gzip()
    {
        var bytes = GrpcFrame.ToArray(new EchoRequest { Message = new string('q', 5000) }, gzip: true);

        var (response, status, _) = await RawGrpc.SendAsync(server.H2cAddress, UnaryPath, bytes, configure: r => r.Headers.TryAddWithoutValidation("grpc-encoding", "gzip"));

        Assert.Equal("0", status);
        Assert.False(response.Headers.Contains("grpc-encoding"));
    }

    private async Task AssertStillServing()
    {
        var reply = await server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod, new EchoRequest { Message = "still here" });
        Assert.Equal("still here", reply.Message);
    }
}
