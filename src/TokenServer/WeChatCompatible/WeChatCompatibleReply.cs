using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace TokenCenter.Server.WeChatCompatible;

/// <summary>
/// An answer in WeChat's exact shape: <c>{"access_token":"…","expires_in":N}</c>, or HTTP 200
/// <c>{"errcode":N,"errmsg":"… rid: …"}</c>.
/// </summary>
internal readonly record struct WeChatCompatibleReply(string? AccessToken, long ExpiresIn, int ErrCode, string? ErrMsg)
{
    private const string ContentType = "application/json; encoding=utf-8";

    public static WeChatCompatibleReply Token(string value, long expiresIn) => new(value, expiresIn, 0, null);

    public static WeChatCompatibleReply Error(int errcode, string? message = null) => new(null, 0, errcode, message ?? WeChatCompatibleErrors.Message(errcode));

    public Task WriteAsync(HttpContext context, TimeProvider time)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (ErrCode == 0)
            {
                writer.WriteString("access_token", AccessToken);
                writer.WriteNumber("expires_in", ExpiresIn);
            }
            else
            {
                writer.WriteNumber("errcode", ErrCode);
                writer.WriteString("errmsg", $"{ErrMsg} rid: {NewRid(time.GetUtcNow())}");
            }

            writer.WriteEndObject();
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.ContentLength = buffer.WrittenCount;
        response.Headers.CacheControl = "no-store";
        return response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }

    /// <summary>A request id shaped like WeChat's: <c>xxxxxxxx-xxxxxxxx-xxxxxxxx</c> (time, then random).</summary>
    private static string NewRid(DateTimeOffset now)
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        return $"{now.ToUnixTimeSeconds() & 0xFFFFFFFF:x8}-{Convert.ToHexStringLower(random[..4])}-{Convert.ToHexStringLower(random[4..])}";
    }
}
