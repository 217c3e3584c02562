using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TokenCenter.Bench.Servers;

/// <summary>
/// The ceiling: a minimal Kestrel HTTP/2 endpoint per route that answers a constant gRPC-framed body
/// (bytes captured from the real service, so the size is identical) and <c>grpc-status: 0</c>.
/// Usage: <c>serve-constant [--port P] --route /svc/Method=file.bin [--route …]</c>.
/// </summary>
internal static class ConstantServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = ServeMode.CreateBuilder(args, out _);
        var app = builder.Build();
        foreach (var route in ServeMode.Options(args, "--route"))
        {
            var eq = route.IndexOf('=', StringComparison.Ordinal);
            var body = await File.ReadAllBytesAsync(route[(eq + 1)..]);
            app.MapPost(route[..eq], async context =>
            {
                // Drain the request like a real handler does.
                await context.Request.Body.CopyToAsync(Stream.Null);
                context.Response.ContentType = "application/grpc";
                await context.Response.Body.WriteAsync(body);
                context.Response.AppendTrailer("grpc-status", "0");
            });
        }

        app.MapGet("/ready", () => "ok");
        ServeMode.AnnounceAddress(app);
        await app.RunAsync();
        return 0;
    }
}
