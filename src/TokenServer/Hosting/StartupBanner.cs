using Microsoft.Extensions.Options;

namespace TokenCenter.Server.Hosting;

/// <summary>Logs, once the server listens, where it listens and how to call it.</summary>
internal sealed partial class StartupBanner(
    ListenerAddresses listeners,
    IOptions<StartupBanner.Settings> settings,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<StartupBanner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            string grpc = listeners.Grpc.ToString().TrimEnd('/'), web = listeners.Web.ToString().TrimEnd('/');
            LogListening(logger, grpc, web);
            if (settings.Value.SimulatorEnabled)
            {
                var appId = configuration["TokenCenter:Apps:0:AppId"] ?? "(none configured)";
                var address = listeners.Grpc;
                var host = address.Host is "0.0.0.0" or "[::]" ? "127.0.0.1" : address.Host;
                LogSimulator(logger, appId, $"{host}:{address.Port}", web.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "TokenCenter listening: gRPC (HTTP/2) on {Grpc}, web (HTTP/1.1; HTTP/2 too with TLS: /healthz, /readyz) on {Web}")]
    private static partial void LogListening(ILogger logger, string grpc, string web);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Embedded WeChat simulator is the upstream (Development). Try: node tests/Interop/get-token.js {Address} {AppId}   |   curl {Web}/readyz")]
    private static partial void LogSimulator(ILogger logger, string appId, string address, string web);

    /// <summary>What the banner needs to know about the composition.</summary>
    internal sealed class Settings
    {
        public bool SimulatorEnabled { get; set; }
    }
}
