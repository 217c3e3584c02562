using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TokenCenter.Protocol.Internal;
using TokenCenter.Protocol.Server;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps gRPC services onto ASP.NET Core endpoint routing.</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>Starts mapping the methods of one gRPC service.</summary>
    public static GrpcServiceEndpoints MapGrpcService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return new GrpcServiceEndpoints(endpoints);
    }

    /// <summary>
    /// Answers gRPC requests for a method that is not mapped with UNIMPLEMENTED (trailers-only),
    /// and other unmatched requests with 404.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcUnimplemented(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapFallback(static context =>
        {
            if (!GrpcProtocolConstants.IsGrpcContentType(context.Request.ContentType) || !HttpProtocol.IsHttp2(context.Request.Protocol))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = GrpcProtocolConstants.ContentType;
            context.Response.Headers[GrpcProtocolConstants.StatusTrailer] = ((int)TokenCenter.Protocol.StatusCode.Unimplemented).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers[GrpcProtocolConstants.MessageTrailer] = PercentEncoding.Encode($"Method {context.Request.Path} is unimplemented.");
            return Task.CompletedTask;
        }).WithDisplayName("gRPC unimplemented");
    }
}
