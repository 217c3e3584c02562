using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using TokenCenter.Server;
using TokenCenter.Server.Hosting;
using TokenCenter.Server.Services;
using WeChatSimulator;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Composition of the TokenCenter server: services, listeners and endpoints.</summary>
public static class TokenServerHostingExtensions
{
    /// <summary>Path under which the embedded WeChat simulator is served on the web listener.</summary>
    public const string SimulatorPrefix = EmbeddedSimulator.Prefix;

    /// <summary>
    /// Adds the TokenServer from configuration and returns its builder, whose parts (<c>AddRedis</c>,
    /// <c>AddPlatform</c>, <c>AddSimulator</c>, …) can be added in any order: mounted secret files
    /// (<c>Secrets:Directory</c>) as configuration, the core (listeners, gRPC, the token engine), the platform and
    /// operations; Redis when <c>Redis:Configuration</c> is set (else the in-memory store); the embedded WeChat
    /// simulator as the upstream when <c>Simulator:Enabled</c> (default: in Development). Calling it again adds nothing.
    /// </summary>
    public static TokenServerBuilder AddTokenServer(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var server = new TokenServerBuilder(builder.Services, builder.Configuration, builder.Environment);
        if (!builder.Services.Any(d => d.ServiceType == typeof(TokenServerMarker)))
        {
            builder.Services.AddSingleton<TokenServerMarker>();
            OperationsHostingExtensions.AddSecretFiles(builder); // before anything reads configuration
            server.AddConfiguredParts();
        }

        return server;
    }

    /// <summary>Maps the gRPC services, health endpoints and (if enabled) the simulator.</summary>
    public static WebApplication MapTokenServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        OperationsHostingExtensions.UseOperations(app);

        // Each listener serves only its own faces (ListenerScope, matched on the bound local port).
        const string Grpc = ListenerAddresses.Names.Grpc, Web = ListenerAddresses.Names.Web;
        app.MapGrpcService<TokenCenterGrpcService>().OnListeners(Grpc);
        app.MapGrpcHealthChecksService().OnListeners(Grpc);
        if (app.Configuration.GetValue("Grpc:EnableReflection", true))
        {
            app.MapGrpcReflectionService().OnListeners(Grpc);
        }

        var web = app.MapGroup(string.Empty).OnListeners(Web);
        web.MapWeChatCallback();
        web.MapWeChatCompatibleEndpoints();
        web.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        web.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(HealthTags.Ready),
            ResponseWriter = ReadinessResponseWriter.WriteAsync,
        });

        if (app.Services.GetService<WeChatSim>() is not null)
        {
            web.MapGroup(SimulatorPrefix).MapWeChatSimulator();
        }

        return app;
    }

    /// <summary>Marks AddTokenServer as done.</summary>
    private sealed class TokenServerMarker;
}
