using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TokenCenter.Server.Hosting;

namespace TokenClient.Tests.Infrastructure;

/// <summary>
/// The real TokenServer (AddTokenServer / MapTokenServer) on loopback ports bound at start (port 0, read back), with in-memory
/// configuration, a shared clock, and a middleware counting requests by path (gRPC methods included).
/// </summary>
public sealed class CenterServer : IAsyncDisposable
{
    public const string AppId = "wx0000000000000001";
    public const string Secret = "client-tests-secret";

    private readonly WebApplication _app;
    private int _disposed;

    private CenterServer(WebApplication app, int grpcPort, int webPort, ConcurrentDictionary<string, int> calls, ConcurrentQueue<string> authorizations)
    {
        _app = app;
        GrpcPort = grpcPort;
        WebPort = webPort;
        Calls = calls;
        Authorizations = authorizations;
    }

    public int GrpcPort { get; }

    public int WebPort { get; }

    public Uri GrpcAddress => new($"http://127.0.0.1:{GrpcPort}/");

    public Uri WebAddress => new($"http://127.0.0.1:{WebPort}/");

    /// <summary>Requests seen, by path (e.g. /tokencenter.v1.TokenCenter/GetToken).</summary>
    public ConcurrentDictionary<string, int> Calls { get; }

    /// <summary>The <c>authorization</c> header of every gRPC request that carried one.</summary>
    public ConcurrentQueue<string> Authorizations { get; }

    public IServiceProvider Services => _app.Services;

    public int CallsTo(string method) => Calls.GetValueOrDefault("/tokencenter.v1.TokenCenter/" + method);

    /// <summary>Starts a server whose upstream is <paramref name="upstream"/> (a simulator), on ports bound at start.</summary>
    public static async Task<CenterServer> StartAsync(Uri upstream, TimeProvider clock, IDictionary<string, string?>? settings = null)
    {
        // Port 0: the operating system picks a free port at bind time; the bound one is read back after start.
        var config = new Dictionary<string, string?>
        {
            ["Listeners:Grpc"] = "http://127.0.0.1:0",
            ["Listeners:Web"] = "http://127.0.0.1:0",
            ["Simulator:Enabled"] = "false",
            ["TokenCenter:Upstream:BaseUrl"] = upstream.ToString(),
            ["TokenCenter:Upstream:MaxRetries"] = "0",
            ["TokenCenter:Apps:0:AppId"] = AppId,
            ["TokenCenter:Apps:0:Secret"] = Secret,
            ["TokenCenter:Apps:0:Grant"] = "Stable",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        // Caller authentication and rate limits (on by default outside Development) are not what these tests are about.
        config.TryAdd("Auth:Enabled", "false");
        config.TryAdd("Limits:RateLimiting", "false");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(clock);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.AddTokenServer();
        var app = builder.Build();
        var calls = new ConcurrentDictionary<string, int>();
        var authorizations = new ConcurrentQueue<string>();
        app.Use(async (context, next) =>
        {
            calls.AddOrUpdate(context.Request.Path.Value ?? string.Empty, 1, (_, n) => n + 1);
            if (context.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
            {
                authorizations.Enqueue(authorization);
            }

            await next();
        });
        app.MapTokenServer();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<ListenerAddresses>();
        return new CenterServer(app, bound.Grpc.Port, bound.Web.Port, calls, authorizations);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Streams (WatchTokens) keep requests open: give them a moment, then abort the connections.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
