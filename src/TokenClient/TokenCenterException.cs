using Grpc.Core;

namespace TokenCenter.Client;

/// <summary>
/// TokenCenter could not serve a request. <see cref="StatusCode"/> tells why: NotFound (key not
/// configured), Unavailable (no server answered, or no valid token and WeChat failing),
/// ResourceExhausted (forced refresh refused: see <see cref="RetryAfter"/>), Unauthenticated /
/// PermissionDenied (API key), InvalidArgument, DeadlineExceeded, Cancelled.
/// </summary>
public sealed class TokenCenterException : Exception
{
    /// <summary>Creates an exception for a failed call.</summary>
    public TokenCenterException(StatusCode statusCode, string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <inheritdoc />
    public TokenCenterException()
        : this(StatusCode.Unknown, "TokenCenter call failed")
    {
    }

    /// <inheritdoc />
    public TokenCenterException(string message)
        : this(StatusCode.Unknown, message)
    {
    }

    /// <inheritdoc />
    public TokenCenterException(string message, Exception innerException)
        : this(StatusCode.Unknown, message, null, innerException)
    {
    }

    /// <summary>The gRPC status of the failed call.</summary>
    public StatusCode StatusCode { get; }

    /// <summary>For a refused forced refresh: when it will be allowed again (from the <c>retry-after-ms</c> trailer).</summary>
    public TimeSpan? RetryAfter { get; }
}
