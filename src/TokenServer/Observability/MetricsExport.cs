using System.Diagnostics.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace TokenCenter.Server.Observability;

/// <summary>
/// Export of the <see cref="TokenCenterMetrics.MeterName"/> meter through OpenTelemetry: the Prometheus
/// exporter (scraped at <c>/metrics</c>) always, and OTLP when <c>Otlp:Endpoint</c> is set
/// (<c>Otlp:Protocol</c>: grpc, the default, or http/protobuf).
/// </summary>
/// <remarks>
/// OpenTelemetry selects meters by name, process-wide. Several TokenServer hosts in one process (the
/// multi-replica tests) each have their own <see cref="IMeterFactory"/>; a view drops every instrument
/// whose meter another host's factory created, so each replica exports only its own numbers.
/// </remarks>
internal static class MetricsExport
{
    public static IServiceCollection AddTokenCenterMetricsExport(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = OtlpSettings(configuration);
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(TokenCenterMetrics.MeterName);
            ((IDeferredMeterProviderBuilder)metrics).Configure((sp, builder) =>
            {
                var factory = sp.GetRequiredService<IMeterFactory>();
                builder.AddView(instrument => ReferenceEquals(instrument.Meter.Scope, factory) ? null : MetricStreamConfiguration.Drop);
            });
            metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            if (otlp is var (endpoint, protocol))
            {
                metrics.AddOtlpExporter(o =>
                {
                    o.Endpoint = endpoint;
                    o.Protocol = protocol;
                });
            }
        });
        return services;
    }

    private static (Uri Endpoint, OtlpExportProtocol Protocol)? OtlpSettings(IConfiguration configuration)
    {
        var endpoint = configuration["Otlp:Endpoint"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
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
        return (uri, protocol);
    }
}
