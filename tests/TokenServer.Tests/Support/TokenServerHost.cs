using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenCenter.Server.Hosting;

namespace TokenServer.Tests.Support;

/// <summary>
/// The real TokenServer (AddTokenServer / MapTokenServer) on Kestrel, on loopback ports bound at start (port 0, read back), with
/// a test clock and in-memory configuration: what a replica is in production, in-process. Shared
/// (linked) by TokenServer.Tests, TokenServer.Redis.Tests and TokenServer.Platform.Tests.
/// </summary>
internal sealed class TokenServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

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

    /// <summary>
    /// Starts a server with <paramref name="settings"/> (configuration keys as in the README).
    /// <paramref name="decorate"/> runs after AddTokenServer, so a test can wrap a registered service.
    /// Authentication and rate limits are off unless <paramref name="settings"/> turn them on (they are
    /// tested in TokenServer.Ops.Tests). TC_TEST_LOG=1 logs to the console at Debug.
    /// </summary>
    public static async Task<TokenServerHost> StartAsync(IDictionary<string, string?> settings, TimeProvider clock, Action<IServiceCollection>? decorate = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("TC_TEST_LOG") == "1")
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:Enabled"] = "false", ["Limits:RateLimiting"] = "false" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Listeners:Grpc"] = "http://127.0.0.1:0",
            ["Listeners:Web"] = "http://127.0.0.1:0",
            ["Simulator:Enabled"] = "false",
        });
        builder.Services.AddSingleton(clock);
        builder.AddTokenServer();
        decorate?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapTokenServer();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<ListenerAddresses>();
        return new TokenServerHost(app, bound.Grpc, bound.Web);
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
}
