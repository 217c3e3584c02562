using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol.Internal;

namespace TokenCenter.Protocol.Server.Internal;

/// <summary>
/// Answers requests that are not gRPC at the HTTP level: HTTP/1.x → 426 Upgrade Required (gRPC
/// needs HTTP/2 trailers), a content-type other than application/grpc → 415, as
/// doc/PROTOCOL-HTTP2.md prescribes (a 200 would let a plain HTTP client mistake an error for success).
/// </summary>
internal static class GrpcRequestValidator
{
    public static bool TryAccept(HttpContext http, string method, ILogger logger)
    {
        if (!HttpProtocol.IsHttp2(http.Request.Protocol) && !HttpProtocol.IsHttp3(http.Request.Protocol))
        {
            GrpcServerLog.Rejected(logger, method, "HTTP/1.x request");
            http.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            http.Response.Headers.Connection = "Upgrade";
            http.Response.Headers.Upgrade = "h2c";
            http.Response.ContentType = "text/plain; charset=utf-8";
            _ = http.Response.WriteAsync($"gRPC requires HTTP/2; {http.Request.Protocol} is not supported.");
            return false;
        }

        if (!GrpcProtocolConstants.IsGrpcContentType(http.Request.ContentType))
        {
            GrpcServerLog.Rejected(logger, method, "content-type " + (http.Request.ContentType ?? "(none)"));
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            http.Response.ContentType = "text/plain; charset=utf-8";
            _ = http.Response.WriteAsync($"Content-Type '{http.Request.ContentType}' is not supported: gRPC requires application/grpc.");
            return false;
        }

        return true;
    }
}
