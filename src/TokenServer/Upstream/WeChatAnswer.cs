using System.Globalization;
using System.Text.Json;

namespace TokenCenter.Server.Upstream;

/// <summary>
/// One WeChat answer, parsed once for every endpoint: <c>errcode</c> (0 when absent, as in WeChat's success answers),
/// <c>errmsg</c> and the JSON object for the endpoint's own fields; or no answer (timeout, transport error, HTTP error,
/// not a JSON object), reported as errcode -1 with a description that never holds the URL or a secret.
/// <see cref="ToString"/> never shows the body (it carries tokens).
/// </summary>
internal sealed class WeChatAnswer
{
    private readonly JsonElement _body;

    private WeChatAnswer(bool answered, int errCode, string errMsg, JsonElement body)
    {
        Answered = answered;
        ErrCode = errCode;
        ErrMsg = errMsg;
        _body = body;
    }

    /// <summary>Whether WeChat answered with a JSON object; false when it is unknown whether WeChat acted on the request.</summary>
    public bool Answered { get; }

    /// <summary>WeChat's errcode: 0 for success, -1 for system busy and for no answer.</summary>
    public int ErrCode { get; }

    /// <summary>WeChat's errmsg, or the description of a missing answer.</summary>
    public string ErrMsg { get; }

    /// <summary>An answer with errcode 0 (the endpoint's fields may still be missing).</summary>
    public bool IsOk => Answered && ErrCode == 0;

    /// <summary>No WeChat answer: errcode -1 and <paramref name="description"/>.</summary>
    public static WeChatAnswer NoAnswer(string description) => new(false, -1, description, default);

    /// <summary>Parses a body; anything but a JSON object is no answer.</summary>
    public static WeChatAnswer Parse(ReadOnlySpan<byte> json)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return NoAnswer("malformed JSON answer");
        }

        return root.ValueKind == JsonValueKind.Object ? Of(root) : NoAnswer("the answer is not a JSON object");
    }

    /// <summary>The errcode of a body (0 when absent); null when the body is not a JSON object. For handlers that only classify.</summary>
    public static int? ErrCodeOf(ReadOnlySpan<byte> json)
    {
        var answer = Parse(json);
        return answer.Answered ? answer.ErrCode : null;
    }

    /// <summary>A string field, or null.</summary>
    public string? String(string name) =>
        _body.ValueKind == JsonValueKind.Object && _body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A positive whole number of seconds (such as <c>expires_in</c>), or null.</summary>
    public TimeSpan? Seconds(string name) =>
        _body.ValueKind == JsonValueKind.Object && _body.TryGetProperty(name, out var v) && v.TryGetInt32(out var s) && s > 0 ? TimeSpan.FromSeconds(s) : null;

    /// <summary>A nested object (such as api_query_auth's <c>authorization_info</c>) as an answer of its own, or null.</summary>
    public WeChatAnswer? Object(string name) =>
        _body.ValueKind == JsonValueKind.Object && _body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? Of(v) : null;

    /// <inheritdoc />
    public override string ToString() => Answered
        ? string.Create(CultureInfo.InvariantCulture, $"WeChatAnswer {{ ErrCode = {ErrCode}, ErrMsg = {ErrMsg} }}")
        : $"WeChatAnswer {{ no answer: {ErrMsg} }}";

    private static WeChatAnswer Of(JsonElement e)
    {
        var errCode = e.TryGetProperty("errcode", out var c) && c.TryGetInt32(out var code) ? code : 0;
        var errMsg = e.TryGetProperty("errmsg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? string.Empty : string.Empty;
        return new WeChatAnswer(true, errCode, errMsg, e);
    }
}
