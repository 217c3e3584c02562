using TokenCenter.Protocol.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the server half of the gRPC wire layer.</summary>
public static class GrpcServerServiceCollectionExtensions
{
    /// <summary>Registers <see cref="GrpcServerOptions"/> (validated at start) and routing.</summary>
    public static IServiceCollection AddGrpcWireServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        var options = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.MaxReceiveMessageSize > 0, "Grpc:MaxReceiveMessageSize must be positive.")
            .Validate(o => o.ResponseCompressionAlgorithm is null or "gzip" or "identity", "Grpc:ResponseCompressionAlgorithm must be 'gzip', 'identity' or empty.")
            .ValidateOnStart();
        return services;
    }
}
