using System.Text.Json.Serialization;

namespace TokenCenter.Server.Upstream;

/// <summary>Body of POST /cgi-bin/stable_token.</summary>
internal sealed record StableTokenRequest(
    [property: JsonPropertyName("grant_type")] string GrantType,
    [property: JsonPropertyName("appid")] string AppId,
    [property: JsonPropertyName("secret")] string Secret,
    [property: JsonPropertyName("force_refresh")] bool ForceRefresh);

/// <summary>Request bodies of the WeChat endpoints (answers are read by <see cref="WeChatAnswer"/>).</summary>
[JsonSerializable(typeof(StableTokenRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class WeChatJsonContext : JsonSerializerContext;
