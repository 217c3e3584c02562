using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;
using TokenCenter.Testing.V1;

namespace TokenCenter.Bench.Servers;

/// <summary>
/// The wire layer's Echo test service on h2c (Release, its own process), answering the request's
/// message: the server half of the wire layer with no service logic. Usage: <c>serve-echo [--port P]</c>.
/// </summary>
internal static class EchoServer
{
    public static readonly GrpcMethod<EchoRequest, EchoReply> Unary =
        GrpcMethod<EchoRequest, EchoReply>.Create(EchoReflection.Descriptor.Services[0], "Unary");

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = ServeMode.CreateBuilder(args, out _);
        builder.Services.AddGrpcWireServer();
        var app = builder.Build();
        app.MapGrpcService().Unary(Unary, (request, _) => Task.FromResult(new EchoReply { Message = request.Message }));
        app.MapGrpcUnimplemented();
        app.MapGet("/ready", () => "ok");
        ServeMode.AnnounceAddress(app);
        await app.RunAsync();
        return 0;
    }
}
