using System.Collections.Concurrent;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http.Features;
using TokenCenter.Server.Observability;

namespace TokenCenter.Server.Operations;

/// <summary>
/// Counts gRPC calls by method and final status, read from <c>grpc-status</c> in the trailers (or the
/// headers of a trailers-only answer). Calls to unmapped paths count under method "unknown", so random
/// paths cannot blow up the label set.
/// </summary>
internal sealed class RpcMetricsMiddleware(RequestDelegate next, TokenCenterMetrics metrics)
{
    private static readonly string[] StatusNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    // Method label per endpoint, computed once (endpoints are fixed when the app starts).
    private readonly ConcurrentDictionary<Endpoint, string> _methods = new();

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.ContentType is not { } type || !type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(http).ConfigureAwait(false);
        }
        finally
        {
            metrics.Rpc(MethodOf(http), StatusOf(http));
        }
    }

    private string MethodOf(HttpContext http) =>
        http.GetEndpoint() is { } endpoint ? _methods.GetOrAdd(endpoint, static e => MethodOf(e)) : "unknown";

    // The gRPC method ("/tokencenter.v1.TokenCenter/GetToken") from the endpoint's metadata, not its
    // display name ("gRPC - /…"); Grpc.AspNetCore's unimplemented-method endpoints count as "unknown".
    private static string MethodOf(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is { } grpc && endpoint.DisplayName?.StartsWith("gRPC - /", StringComparison.Ordinal) == true
            ? "/" + grpc.Method.FullName.TrimStart('/')
            : "unknown";

    private static string StatusOf(HttpContext http)
    {
        string? value = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers?["grpc-status"];
        if (string.IsNullOrEmpty(value))
        {
            value = http.Response.Headers["grpc-status"];
        }

        if (string.IsNullOrEmpty(value))
        {
            return http.RequestAborted.IsCancellationRequested ? "CANCELLED" : "HTTP_" + http.Response.StatusCode;
        }

        return int.TryParse(value, out var code) && code >= 0 && code < StatusNames.Length ? StatusNames[code] : "UNKNOWN";
    }
}
