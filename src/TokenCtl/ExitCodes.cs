using Grpc.Core;

namespace TokenCenter.Ctl;

/// <summary>Exit codes scripts can rely on (also listed in <c>tokenctl --help</c>).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Other = 1;
    public const int BadUsage = 2;
    public const int NotFound = 3;
    public const int Unavailable = 4;
    public const int QuotaRefused = 5;
    public const int AuthFailure = 6;

    public const string Help =
        "Exit codes: 0 ok, 1 other error, 2 bad usage (also INVALID_ARGUMENT), 3 not found (key not configured), " +
        "4 unavailable or unreachable (UNAVAILABLE, DEADLINE_EXCEEDED, connection refused), 5 forced refresh refused " +
        "by the forced-refresh budget (RESOURCE_EXHAUSTED), 6 authentication or permission failure.";

    public static int Of(StatusCode code) => code switch
    {
        StatusCode.OK => Ok,
        StatusCode.InvalidArgument => BadUsage,
        StatusCode.NotFound => NotFound,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => Unavailable,
        StatusCode.ResourceExhausted => QuotaRefused,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => AuthFailure,
        _ => Other,
    };
}
