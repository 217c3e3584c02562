using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol.Client;

namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// One TokenServer replica: the real server (AddTokenServer / MapTokenServer) on Kestrel, on free
/// loopback ports, with in-memory configuration and the shared test clock. <c>decorate</c> runs after
/// AddTokenServer, so a test can wrap a registered service (e.g. pause the store's writes).
/// </summary>
internal sealed class ReplicaHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private ReplicaHost(WebApplication app, Uri grpc, Uri web)
    {
        _app = app;
        GrpcAddress = grpc;
        WebAddress = web;
        Channel = GrpcChannel.ForAddress(grpc);
    }

    public Uri GrpcAddress { get; }

    public Uri WebAddress { get; }

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ReplicaHost> StartAsync(IDictionary<string, string?> settings, TimeProvider clock, Action<IServiceCollection>? decorate = null)
    {
        var grpcPort = FreePort();
        var webPort = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("TC_TEST_LOG") == "1")
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Listeners:Grpc"] = $"http://127.0.0.1:{grpcPort}",
            ["Listeners:Web"] = $"http://127.0.0.1:{webPort}",
            ["Simulator:Enabled"] = "false",
            ["Auth:Enabled"] = "false",
            ["Limits:RateLimiting"] = "false",
        });
        builder.Services.AddSingleton(clock);
        builder.AddTokenServer();
        decorate?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapTokenServer();
        await app.StartAsync();
        return new ReplicaHost(app, new Uri($"http://127.0.0.1:{grpcPort}/"), new Uri($"http://127.0.0.1:{webPort}/"));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
