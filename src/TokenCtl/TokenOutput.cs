using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TokenCenter.V1;

namespace TokenCenter.Ctl;

/// <summary>Formats tokens for the terminal or as JSON.</summary>
internal static class TokenOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = false };

    /// <summary>One token as a JSON object; the value only when <paramref name="withValue"/>, a fingerprint always.</summary>
    public static string Json(Token token, DateTimeOffset now, bool withValue)
    {
        var expires = token.ExpiresAt?.ToDateTimeOffset();
        var body = new Dictionary<string, object?>
        {
            ["kind"] = KindName(token.Key?.Kind ?? TokenKind.Unspecified),
            ["app_id"] = token.Key?.AppId ?? string.Empty,
            ["component_app_id"] = token.Key?.ComponentAppId ?? string.Empty,
        };
        if (withValue)
        {
            body["value"] = token.Value;
        }

        body["fingerprint"] = Fingerprint(token.Value);
        body["version"] = token.Version;
        body["expires_at"] = expires?.ToString("O", CultureInfo.InvariantCulture);
        body["obtained_at"] = token.ObtainedAt?.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture);
        body["remaining_seconds"] = expires is { } e ? Math.Max(0, (long)(e - now).TotalSeconds) : 0;
        return JsonSerializer.Serialize(body, Indented);
    }

    /// <summary>A one-line description without the value.</summary>
    public static string Line(Token token, DateTimeOffset now)
    {
        var expires = token.ExpiresAt?.ToDateTimeOffset();
        var remaining = expires is { } e ? Duration(e - now) : "-";
        return string.Create(CultureInfo.InvariantCulture, $"version={token.Version} fingerprint={Fingerprint(token.Value)} expires_at={expires:O} remaining={remaining}");
    }

    public static string KindName(TokenKind kind) => kind switch
    {
        TokenKind.AccessToken => "access_token",
        TokenKind.ComponentAccessToken => "component_access_token",
        TokenKind.AuthorizerAccessToken => "authorizer_access_token",
        TokenKind.JsapiTicket => "jsapi_ticket",
        TokenKind.WxCardTicket => "wx_card_ticket",
        _ => "unspecified",
    };

    /// <summary>"1h02m03s" style; "expired" when not positive.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
        {
            return "expired";
        }

        return span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:00}m{span.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m{span.Seconds:00}s");
    }

    /// <summary>First 8 hex characters of the SHA-256 of the value (never reversible).</summary>
    public static string Fingerprint(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "-";
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return Convert.ToHexStringLower(hash[..4]);
    }
}
