using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Protocol.Client;
using TokenCenter.Protocol.Server;
using TokenCenter.Testing.V1;

namespace TokenCenter.Protocol.Tests;

/// <summary>
/// A real Kestrel server on loopback serving the test Echo service: one h2c-only listener (like
/// TokenServer's gRPC port) and one HTTP/1.1 + HTTP/2 listener.
/// </summary>
public sealed class EchoServerFixture : IAsyncLifetime
{
    public const int MaxMessageSize = 64 * 1024;

    public static readonly GrpcMethod<EchoRequest, EchoReply> UnaryMethod =
        GrpcMethod<EchoRequest, EchoReply>.Create(EchoReflection.Descriptor.Services[0], "Unary");

    public static readonly GrpcMethod<EchoRequest, EchoReply> StreamMethod =
        GrpcMethod<EchoRequest, EchoReply>.Create(EchoReflection.Descriptor.Services[0], "Stream");

    private WebApplication? _app;

    public Uri H2cAddress { get; private set; } = null!;

    public Uri MixedAddress { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    /// <summary>Calls whose handler saw its cancellation token fire, by the request's message.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Cancelled { get; } = new();

    /// <summary>Messages written so far by streaming handlers, by the request's message.</summary>
    public ConcurrentDictionary<string, int> Written { get; } = new();

    /// <summary>Request metadata seen by the last unary handler.</summary>
    public Metadata? LastRequestHeaders { get; private set; }

    /// <summary>Request encoding header seen by the last unary handler.</summary>
    public string? LastRequestEncoding { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1AndHttp2);
        });
        builder.Services.AddGrpcWireServer(o => o.MaxReceiveMessageSize = MaxMessageSize);
        _app = builder.Build();
        _app.MapGrpcService()
            .Unary(UnaryMethod, UnaryAsync)
            .ServerStreaming(StreamMethod, StreamAsync);
        _app.MapGrpcUnimplemented();
        await _app.StartAsync();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToArray();
        H2cAddress = new Uri(addresses[0] + "/");
        MixedAddress = new Uri(addresses[1] + "/");
        Channel = GrpcChannel.ForAddress(H2cAddress);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync().AsTask();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>The signal that the handler of the call named <paramref name="key"/> saw its cancellation.</summary>
    public TaskCompletionSource CancelledSignal(string key) =>
        Cancelled.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task<EchoReply> UnaryAsync(EchoRequest request, ServerCallContext context)
    {
        LastRequestHeaders = context.RequestHeaders;
        LastRequestEncoding = context.HttpContext?.Request.Headers["grpc-encoding"].ToString();
        var cancelled = CancelledSignal(request.Message);
        context.CancellationToken.Register(() => cancelled.TrySetResult());
        if (request.DelayMs > 0)
        {
            if (request.Count == -1)
            {
                // A handler that ignores its cancellation token.
                await Task.Delay(request.DelayMs, CancellationToken.None);
            }
            else
            {
                await Task.Delay(request.DelayMs, context.CancellationToken);
            }
        }

        if (request.FailCode != 0)
        {
            var trailers = new Metadata { { "x-failure", "yes" }, { "x-detail-bin", new byte[] { 0, 1, 2, 255 } } };
            throw new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage), trailers);
        }

        if (request.Message == "throw")
        {
            throw new InvalidOperationException("secret internals");
        }

        if (context.RequestHeaders.GetValue("x-echo") is { } echo)
        {
            context.ResponseTrailers.Add("x-echo", echo);
        }

        if (context.RequestHeaders.GetValueBytes("x-data-bin") is { } data)
        {
            context.ResponseTrailers.Add("x-data-bin", data);
        }

        return new EchoReply { Message = request.Message, Payload = request.Payload };
    }

    private async Task StreamAsync(EchoRequest request, IServerStreamWriter<EchoReply> writer, ServerCallContext context)
    {
        var cancelled = CancelledSignal(request.Message);
        context.CancellationToken.Register(() => cancelled.TrySetResult());
        for (var i = 0; i < request.Count; i++)
        {
            await writer.WriteAsync(new EchoReply { Message = request.Message, Index = i, Payload = request.Payload });
            Written[request.Message] = i + 1;
        }

        if (request.FailCode != 0)
        {
            throw new RpcException((StatusCode)request.FailCode, request.FailMessage);
        }
    }
}

[CollectionDefinition(nameof(EchoServerCollection))]
public sealed class EchoServerCollection : ICollectionFixture<EchoServerFixture>;
