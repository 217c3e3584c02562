using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace TokenCenter.Server.Observability;

/// <summary>
/// Optional OTLP export of the <see cref="TokenCenterMetrics.MeterName"/> meter, when <c>Otlp:Endpoint</c>
/// is set (<c>Otlp:Protocol</c>: grpc, the default, or http/protobuf).
/// </summary>
internal static class OtlpExport
{
    public static IServiceCollection AddOtlpExportIfConfigured(this IServiceCollection services, IConfiguration configuration)
    {
        var endpoint = configuration["Otlp:Endpoint"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return services;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"Otlp:Endpoint '{endpoint}' must be an absolute http or https URL.");
        }

        var protocol = configuration["Otlp:Protocol"] switch
        {
            null or "" or "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new InvalidOperationException($"Otlp:Protocol '{other}' is unknown: expected grpc or http/protobuf."),
        };

        services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder()
            .AddMeter(TokenCenterMetrics.MeterName)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = uri;
                o.Protocol = protocol;
            })
            .Build());
        services.AddHostedService<OtlpStarter>();
        return services;
    }

    /// <summary>Creates the meter provider at start (and disposes it with the container, flushing).</summary>
    private sealed class OtlpStarter(MeterProvider provider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = provider;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
