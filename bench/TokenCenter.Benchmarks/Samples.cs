using Google.Protobuf.WellKnownTypes;
using TokenCenter.V1;

namespace TokenCenter.Benchmarks;

/// <summary>Messages shaped like production traffic.</summary>
internal static class Samples
{
    /// <summary>A Token as GetToken returns it: WeChat access tokens are about 136 characters.</summary>
    public static Token Token() => new()
    {
        Key = new TokenKey { Kind = TokenKind.AccessToken, AppId = "wx0000000000000001" },
        Value = new string('A', 40) + "_" + new string('b', 60) + "-" + new string('9', 34),
        ExpiresAt = new Timestamp { Seconds = 1_798_761_600, Nanos = 0 },
        ObtainedAt = new Timestamp { Seconds = 1_798_754_400, Nanos = 0 },
        Version = 4242,
    };
}
