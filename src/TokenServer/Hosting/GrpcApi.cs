using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TokenCenter.Server.Security;
using TokenCenter.Server.Services;

namespace TokenCenter.Server.Hosting;

/// <summary>The gRPC API's registrations (part of the core of <see cref="TokenServerBuilder"/>).</summary>
internal static class GrpcApi
{
    /// <summary>
    /// Grpc.AspNetCore with the <c>Grpc:</c> options (MaxReceiveMessageSize, ResponseCompressionAlgorithm,
    /// EnableDetailedErrors), the caller guard as the TokenCenter service's interceptor, gRPC health over
    /// the checks tagged ready ("" and tokencenter.v1.TokenCenter), and reflection.
    /// </summary>
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ListenerScopeMatcherPolicy>());
        services.AddGrpc().AddServiceOptions<TokenCenterGrpcService>(o => o.Interceptors.Add<CallGuardInterceptor>());
        services.Configure<GrpcServiceOptions>(configuration.GetSection("Grpc"));
        services.TryAddSingleton<CallGuardInterceptor>();
        services.TryAddSingleton<TokenCenterGrpcService>();
        services.AddGrpcHealthChecks(o =>
        {
            o.Services.Clear();
            o.Services.Map(string.Empty, r => r.Tags.Contains(HealthTags.Ready));
            o.Services.Map("tokencenter.v1.TokenCenter", r => r.Tags.Contains(HealthTags.Ready));
        });
        // Watch answers from the last published report: publish every second, from the start.
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.Zero;
            o.Period = TimeSpan.FromSeconds(1);
        });
        if (configuration.GetValue("Grpc:EnableReflection", true))
        {
            services.AddGrpcReflection();
        }

        // Last: AddGrpc* calls (health, reflection) register the default method provider again.
        DefaultMethodProviderExcept.Install(services);
    }
}
