using Microsoft.Extensions.Logging;

namespace TokenCenter.Protocol.Server.Internal;

internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Error when executing gRPC method {Method}.")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "gRPC call {Method} ended with {StatusCode}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "gRPC call {Method} exceeded its deadline of {Timeout}.")]
    public static partial void DeadlineExceeded(ILogger logger, string method, TimeSpan timeout);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "gRPC call {Method} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, string method, string reason);
}
