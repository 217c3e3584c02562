using System.Text;
using System.Text.Json;

namespace TokenCenter.Client.Internal;

/// <summary>Reads WeChat's answers and rewrites request URIs for the <see cref="WeChatAccessTokenHandler"/>.</summary>
internal static class WeChatReply
{
    private static ReadOnlySpan<byte> ErrCode => "errcode"u8;

    /// <summary>The top-level <c>errcode</c> of a JSON object, or null (not JSON, no errcode).</summary>
    public static int? ReadErrCode(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isErrCode = reader.ValueTextEquals(ErrCode);
                reader.Read();
                if (isErrCode && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var code))
                {
                    return code;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>Whether a response of this media type may carry a WeChat JSON answer.</summary>
    public static bool MayBeJson(string? mediaType) =>
        mediaType is not null && (mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) || mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase));

    /// <summary><paramref name="uri"/> with <paramref name="name"/>=<paramref name="token"/> replacing any existing value.</summary>
    public static Uri WithToken(Uri uri, string name, string token)
    {
        var query = new StringBuilder();
        foreach (var part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var partName = eq < 0 ? part : part[..eq];
            if (!string.Equals(partName, name, StringComparison.Ordinal))
            {
                query.Append(part).Append('&');
            }
        }

        query.Append(name).Append('=').Append(Uri.EscapeDataString(token));
        return new UriBuilder(uri) { Query = query.ToString() }.Uri;
    }
}
