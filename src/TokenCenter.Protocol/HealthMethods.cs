using Google.Protobuf.Reflection;
using Grpc.Health.V1;

namespace TokenCenter.Protocol;

/// <summary>The methods of <c>grpc.health.v1.Health</c>, built from the generated descriptor.</summary>
public static class HealthMethods
{
    private static readonly ServiceDescriptor Service = HealthReflection.Descriptor.Services[0];

    public static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> Check = GrpcMethod<HealthCheckRequest, HealthCheckResponse>.Create(Service, "Check");

    public static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> Watch = GrpcMethod<HealthCheckRequest, HealthCheckResponse>.Create(Service, "Watch");
}
