using System.Buffers.Text;
using System.Security.Cryptography;

namespace WeChatSimulator.Internal;

/// <summary>Random credentials shaped like WeChat's (URL-safe; access tokens ~130 characters).</summary>
internal static class TokenGenerator
{
    /// <summary>"81_" + 128 base64url characters, like current WeChat access tokens.</summary>
    public static string NewAccessToken() => "81_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(96));

    /// <summary>86 base64url characters, like jsapi / wx_card tickets.</summary>
    public static string NewTicket() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(64));

    /// <summary>A component_verify_ticket: "ticket@@@" + 86 base64url characters.</summary>
    public static string NewVerifyTicket() => "ticket@@@" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(64));

    /// <summary>A pre_auth_code: "preauthcode@@@" + 64 base64url characters.</summary>
    public static string NewPreAuthCode() => "preauthcode@@@" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));

    /// <summary>An authorization code: "queryauthcode@@@" + 64 base64url characters.</summary>
    public static string NewAuthorizationCode() => "queryauthcode@@@" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));

    /// <summary>An authorizer_refresh_token: "refreshtoken@@@" + 64 base64url characters.</summary>
    public static string NewRefreshToken() => "refreshtoken@@@" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));

    /// <summary>WeChat's request id: "xxxxxxxx-xxxxxxxx-xxxxxxxx" (unix seconds in hex, then random hex).</summary>
    public static string NewRid(DateTimeOffset now)
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        return $"{now.ToUnixTimeSeconds() & 0xFFFFFFFF:x8}-{Convert.ToHexStringLower(random[..4])}-{Convert.ToHexStringLower(random[4..])}";
    }
}
