using System.Text.Json.Serialization;

namespace TokenCenter.Server.Upstream;

/// <summary>Body of POST /cgi-bin/stable_token.</summary>
internal sealed record StableTokenRequest(
    [property: JsonPropertyName("grant_type")] string GrantType,
    [property: JsonPropertyName("appid")] string AppId,
    [property: JsonPropertyName("secret")] string Secret,
    [property: JsonPropertyName("force_refresh")] bool ForceRefresh);

/// <summary>Answer of both token endpoints (token or errcode).</summary>
internal sealed class WeChatTokenResponse
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    [JsonPropertyName("expires_in")]
    public int ExpiresIn { get; set; }

    [JsonPropertyName("errcode")]
    public int ErrCode { get; set; }

    [JsonPropertyName("errmsg")]
    public string? ErrMsg { get; set; }
}

[JsonSerializable(typeof(StableTokenRequest))]
[JsonSerializable(typeof(WeChatTokenResponse))]
internal sealed partial class WeChatJsonContext : JsonSerializerContext;
