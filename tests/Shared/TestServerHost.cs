using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TokenCenter.Server.Hosting;

namespace TokenCenter.Testing;

/// <summary>How <see cref="TestServerHost"/> composes the server, beyond its configuration keys.</summary>
public sealed class TestServerOptions
{
    /// <summary>The host environment (the server's defaults differ outside Development).</summary>
    public string Environment { get; set; } = "Testing";

    /// <summary>
    /// False (default): caller authentication, rate limits and the embedded simulator are off unless the settings turn them on,
    /// for tests that are about something else. True: the server's own defaults for them, as a deployment gets them.
    /// </summary>
    public bool AsDeployed { get; set; }

    /// <summary>Also bind the admin listener (127.0.0.1:0), unless the settings give Listeners:Admin.</summary>
    public bool Admin { get; set; }

    /// <summary>The clock the server runs on (registered before AddTokenServer); null keeps TimeProvider.System.</summary>
    public TimeProvider? Clock { get; set; }

    /// <summary>Test seams: runs after AddTokenServer, so it can replace or wrap a registered service.</summary>
    public Action<IServiceCollection>? Services { get; set; }

    /// <summary>Middleware added before MapTokenServer (e.g. a request log).</summary>
    public Action<WebApplication>? Pipeline { get; set; }

    /// <summary>Keep every log line (Debug and up) in <see cref="TestServerHost.Logs"/>.</summary>
    public bool CaptureLogs { get; set; }

    /// <summary>Only the given keys configure the server: no appsettings files, no environment variables.</summary>
    public bool IsolatedConfiguration { get; set; }

    /// <summary>The content root; the test assembly's directory unless given.</summary>
    public string? ContentRoot { get; set; }

    /// <summary>How long a stop waits for open requests (streams) before their connections are aborted.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The one way tests and the bench start the real TokenServer in-process: WebApplication.CreateBuilder with in-memory
/// configuration, <c>AddTokenServer()</c> / <c>MapTokenServer()</c> as Program.cs does, every listener on 127.0.0.1 port 0
/// (bound at start and read back through <see cref="ListenerAddresses"/>, never a port picked first and bound later).
/// TC_TEST_LOG=1 also logs to the console at Debug.
/// </summary>
public sealed class TestServerHost : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];
    private readonly TimeSpan _stopTimeout;
    private readonly CapturingLoggerProvider? _logs;
    private readonly Lazy<GrpcChannel> _channel;
    private readonly Lazy<HttpClient> _web;
    private int _stopped;
    private int _disposed;

    private TestServerHost(WebApplication app, ListenerAddresses bound, CapturingLoggerProvider? logs, TimeSpan stopTimeout)
    {
        App = app;
        GrpcAddress = bound.Grpc;
        WebAddress = bound.Web;
        AdminAddress = bound.Admin;
        _logs = logs;
        _stopTimeout = stopTimeout;
        _channel = new Lazy<GrpcChannel>(() => CreateChannel());
        _web = new Lazy<HttpClient>(() => new HttpClient { BaseAddress = WebAddress, Timeout = TimeSpan.FromSeconds(30) });
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public IConfiguration Configuration => App.Configuration;

    public Uri GrpcAddress { get; }

    public Uri WebAddress { get; }

    /// <summary>The admin listener's address, when one is configured.</summary>
    public Uri? AdminAddress { get; }

    /// <summary>Every log line; needs <see cref="TestServerOptions.CaptureLogs"/>.</summary>
    public CapturingLoggerProvider Logs => _logs ?? throw new InvalidOperationException("Start the host with CaptureLogs to read its log lines.");

    /// <summary>A gRPC channel to <see cref="GrpcAddress"/> (shared; HTTP/2 multiplexed; disposed with the host).</summary>
    public GrpcChannel Channel => _channel.Value;

    /// <summary>An HTTP client whose base address is <see cref="WebAddress"/> (disposed with the host).</summary>
    public HttpClient Web => _web.Value;

    /// <summary>Starts a server configured by <paramref name="settings"/> (configuration keys as in docs/configuration.md).</summary>
    public static Task<TestServerHost> StartAsync(IEnumerable<KeyValuePair<string, string?>> settings, Action<TestServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new TestServerOptions();
        configure?.Invoke(options);
        return StartAsync(settings, options, cancellationToken);
    }

    /// <summary>Starts a server whose settings are written by <paramref name="settings"/>.</summary>
    public static Task<TestServerHost> StartAsync(Action<IDictionary<string, string?>> settings, Action<TestServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var config = new Dictionary<string, string?>();
        settings(config);
        return StartAsync(config, configure, cancellationToken);
    }

    public static async Task<TestServerHost> StartAsync(IEnumerable<KeyValuePair<string, string?>> settings, TestServerOptions options, CancellationToken cancellationToken = default)
    {
        var config = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        // Port 0: the operating system picks a free port at bind time; the bound one is read back after start.
        config.TryAdd("Listeners:Grpc", "http://127.0.0.1:0");
        config.TryAdd("Listeners:Web", "http://127.0.0.1:0");
        if (options.Admin)
        {
            config.TryAdd("Listeners:Admin", "http://127.0.0.1:0");
        }

        if (!options.AsDeployed)
        {
            config.TryAdd("Auth:Enabled", "false");
            config.TryAdd("Limits:RateLimiting", "false");
            config.TryAdd("Simulator:Enabled", "false");
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = options.Environment,
            ContentRootPath = options.ContentRoot ?? AppContext.BaseDirectory,
        });
        if (options.IsolatedConfiguration)
        {
            builder.Configuration.Sources.Clear();
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        CapturingLoggerProvider? logs = null;
        if (options.CaptureLogs)
        {
            logs = new CapturingLoggerProvider();
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        if (System.Environment.GetEnvironmentVariable("TC_TEST_LOG") == "1")
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        if (options.Clock is not null)
        {
            builder.Services.AddSingleton(options.Clock);
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.StopTimeout);
        builder.AddTokenServer();
        options.Services?.Invoke(builder.Services);
        var app = builder.Build();
        try
        {
            options.Pipeline?.Invoke(app);
            app.MapTokenServer();
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new TestServerHost(app, app.Services.GetRequiredService<ListenerAddresses>(), logs, options.StopTimeout);
    }

    /// <summary>A new channel to <see cref="GrpcAddress"/> (optionally through <paramref name="handler"/>), disposed with the host.</summary>
    public GrpcChannel CreateChannel(HttpMessageHandler? handler = null)
    {
        var channel = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { HttpHandler = handler });
        lock (_channels)
        {
            _channels.Add(channel);
        }

        return channel;
    }

    /// <summary>Stops the server: open requests (streams) get <see cref="TestServerOptions.StopTimeout"/>, then their connections are aborted.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_stopTimeout);
        try
        {
            await App.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_channels)
        {
            foreach (var channel in _channels)
            {
                channel.Dispose();
            }
        }

        if (_web.IsValueCreated)
        {
            _web.Value.Dispose();
        }

        await StopAsync();
        await App.DisposeAsync();
    }
}
