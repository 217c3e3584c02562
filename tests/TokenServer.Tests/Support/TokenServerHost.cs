using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol.Client;

namespace TokenServer.Tests.Support;

/// <summary>
/// The real TokenServer (AddTokenServer / MapTokenServer) on Kestrel, on free loopback ports, with
/// a test clock and in-memory configuration: what a replica is in production, in-process.
/// </summary>
internal sealed class TokenServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TokenServerHost(WebApplication app, Uri grpc, Uri web)
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

    /// <summary>Starts a server with <paramref name="settings"/> (configuration keys as in the README).</summary>
    public static async Task<TokenServerHost> StartAsync(IDictionary<string, string?> settings, TimeProvider clock, Action<IServiceCollection>? services = null)
    {
        var grpcPort = FreePort();
        var webPort = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("TC_TEST_LOG") == "1") { builder.Logging.AddSimpleConsole(); builder.Logging.SetMinimumLevel(LogLevel.Debug); }
        // Caller authentication and rate limits (on by default outside Development) are tested in TokenServer.Ops.Tests.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:Enabled"] = "false", ["Limits:RateLimiting"] = "false" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Listeners:Grpc"] = $"http://127.0.0.1:{grpcPort}",
            ["Listeners:Web"] = $"http://127.0.0.1:{webPort}",
            ["Simulator:Enabled"] = "false",
        });
        builder.Services.AddSingleton(clock);
        services?.Invoke(builder.Services);
        builder.AddTokenServer();
        var app = builder.Build();
        app.MapTokenServer();
        await app.StartAsync();
        return new TokenServerHost(app, new Uri($"http://127.0.0.1:{grpcPort}/"), new Uri($"http://127.0.0.1:{webPort}/"));
    }

    public async ValueTask DisposeAsync()
    {
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
