using Microsoft.Extensions.Options;

namespace TokenCenter.Server.Hosting;

/// <summary>Logs, once the server listens, where it listens and how to call it.</summary>
internal sealed partial class StartupBanner(
    IOptions<ListenerOptions> listeners,
    IOptions<StartupBanner.Settings> settings,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<StartupBanner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var l = listeners.Value;
            // Plaintext web is HTTP/1.1 only (h2c needs prior knowledge); with TLS, ALPN adds HTTP/2.
            LogListening(logger, l.Grpc, l.Web, l.Web.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? "HTTP/1.1 + HTTP/2" : "HTTP/1.1");
            if (settings.Value.SimulatorEnabled)
            {
                var appId = configuration["TokenCenter:Apps:0:AppId"] ?? "(none configured)";
                var grpc = new Uri(l.Grpc);
                var host = grpc.Host is "0.0.0.0" or "[::]" ? "127.0.0.1" : grpc.Host;
                LogSimulator(logger, appId, $"{host}:{grpc.Port}", l.Web.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "TokenCenter listening: gRPC (HTTP/2) on {Grpc}, web ({WebProtocols}: /healthz, /readyz) on {Web}")]
    private static partial void LogListening(ILogger logger, string grpc, string web, string webProtocols);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Embedded WeChat simulator is the upstream (Development). Try: node tests/Interop/get-token.js {Address} {AppId}   |   curl {Web}/readyz")]
    private static partial void LogSimulator(ILogger logger, string appId, string address, string web);

    /// <summary>What the banner needs to know about the composition.</summary>
    internal sealed class Settings
    {
        public bool SimulatorEnabled { get; set; }
    }
}
