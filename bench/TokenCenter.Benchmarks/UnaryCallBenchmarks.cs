using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Protocol.Client;
using TokenCenter.Protocol.Internal;
using TokenCenter.Testing.V1;
using TokenCenter.V1;

namespace TokenCenter.Benchmarks;

/// <summary>
/// A whole unary call in memory (TestServer, no sockets): our client half + our server half. The
/// baseline of each category is a raw HttpClient POST of the same framed request to an endpoint that
/// answers the same framed bytes and grpc-status trailer as constants, so the ratio is the cost of the
/// wire layer on top of ASP.NET Core's own request pipeline.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class UnaryCallBenchmarks
{
    private static readonly GrpcMethod<EchoRequest, EchoReply> EchoUnary =
        GrpcMethod<EchoRequest, EchoReply>.Create(EchoReflection.Descriptor.Services[0], "Unary");

    private readonly EchoRequest _echoRequest = new() { Message = "hello, token center" };
    private readonly GetTokenRequest _tokenRequest = new() { Key = new TokenKey { Kind = TokenKind.AccessToken, AppId = "wx0000000000000001" } };
    private readonly Token _token = Samples.Token();
    private WebApplication _app = null!;
    private GrpcChannel _channel = null!;
    private HttpClient _raw = null!;
    private byte[] _echoRequestFrame = null!;
    private byte[] _tokenRequestFrame = null!;

    [GlobalSetup]
    public void Setup()
    {
        var echoReplyFrame = GrpcFrame.ToArray(new EchoReply { Message = _echoRequest.Message }, gzip: false);
        var tokenFrame = GrpcFrame.ToArray(_token, gzip: false);
        _echoRequestFrame = GrpcFrame.ToArray(_echoRequest, gzip: false);
        _tokenRequestFrame = GrpcFrame.ToArray(_tokenRequest, gzip: false);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.AddGrpcWireServer();
        _app = builder.Build();
        _app.MapGrpcService()
            .Unary(EchoUnary, (request, _) => Task.FromResult(new EchoReply { Message = request.Message }))
            .Unary(TokenCenterMethods.GetToken, (_, _) => Task.FromResult(_token));
        _app.MapPost("/constant/echo", context => Constant(context, echoReplyFrame));
        _app.MapPost("/constant/token", context => Constant(context, tokenFrame));
        _app.StartAsync().GetAwaiter().GetResult();

        var handler = _app.GetTestServer().CreateHandler();
        _channel = GrpcChannel.ForAddress("http://localhost/", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpHandler = false });
        _raw = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri("http://localhost/") };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel.Dispose();
        _raw.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "raw HTTP/2 POST, constant answer")]
    [BenchmarkCategory("Echo unary")]
    public Task<int> EchoConstant() => RawAsync("/constant/echo", _echoRequestFrame);

    [Benchmark(Description = "GrpcChannel.UnaryAsync -> MapGrpcService")]
    [BenchmarkCategory("Echo unary")]
    public async Task<int> EchoGrpc() => (await _channel.UnaryAsync(EchoUnary, _echoRequest)).Message.Length;

    [Benchmark(Baseline = true, Description = "raw HTTP/2 POST, constant answer")]
    [BenchmarkCategory("GetToken-shaped unary")]
    public Task<int> TokenConstant() => RawAsync("/constant/token", _tokenRequestFrame);

    [Benchmark(Description = "GrpcChannel.UnaryAsync -> MapGrpcService")]
    [BenchmarkCategory("GetToken-shaped unary")]
    public async Task<int> TokenGrpc() => (await _channel.UnaryAsync(TokenCenterMethods.GetToken, _tokenRequest)).Value.Length;

    private static async Task Constant(HttpContext context, byte[] frame)
    {
        context.Response.ContentType = "application/grpc";
        await context.Response.Body.WriteAsync(frame);
        context.Response.AppendTrailer("grpc-status", "0");
    }

    private async Task<int> RawAsync(string path, byte[] frame)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await _raw.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (!response.TrailingHeaders.TryGetValues("grpc-status", out var status) || status.First() != "0")
        {
            throw new InvalidOperationException("constant endpoint answered without grpc-status 0");
        }

        return body.Length;
    }
}
