using System.Globalization;
using Grpc.Core;

namespace TokenCenter.Client.Internal;

/// <summary>Conversions between the public client types and the v1 protobuf messages and statuses.</summary>
internal static class ProtoMapping
{
    /// <summary>Trailer carrying the forced-refresh budget's retry delay in milliseconds.</summary>
    public const string RetryAfterTrailer = "retry-after-ms";

    public static V1.TokenKey ToProto(this TokenKey key) => new()
    {
        Kind = (V1.TokenKind)(int)key.Kind,
        AppId = key.AppId,
        ComponentAppId = key.ComponentAppId,
    };

    public static TokenKey FromProto(V1.TokenKey key) => new((TokenKind)(int)key.Kind, key.AppId, key.ComponentAppId);

    public static TokenInfo ToInfo(this V1.Token token, TokenKey key) => new(
        key,
        token.Value,
        token.ExpiresAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue,
        token.ObtainedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue,
        token.Version);

    public static TokenCenterException ToClientException(this RpcException ex, string what)
    {
        TimeSpan? retryAfter = null;
        if (ex.Trailers.GetValue(RetryAfterTrailer) is { } ms && long.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            retryAfter = TimeSpan.FromMilliseconds(value);
        }

        var detail = string.IsNullOrEmpty(ex.Status.Detail) ? ex.StatusCode.ToString() : ex.Status.Detail;
        return new TokenCenterException(ex.StatusCode, $"{what} failed: {ex.StatusCode}: {detail}", retryAfter, ex);
    }
}
