using System.Globalization;

namespace TokenCenter.Server.WeChatCompatible;

/// <summary>
/// Endpoint metadata of the compatible endpoints: a caller over its rate limit gets WeChat's shape, HTTP 200
/// <c>{"errcode":-1,"errmsg":"system error: … retry after N s rid: …"}</c> with <c>Retry-After: N</c>.
/// -1 ("system busy") is the errcode SDKs retry (45009 and 45011 they treat as final).
/// </summary>
internal sealed class WeChatCompatibleRateLimitAnswer
{
    public static readonly WeChatCompatibleRateLimitAnswer Instance = new();

    private WeChatCompatibleRateLimitAnswer()
    {
    }

    public Task WriteAsync(HttpContext context, long retryAfterSeconds)
    {
        var seconds = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers.RetryAfter = seconds;
        var reply = WeChatCompatibleReply.Error(WeChatCompatibleErrors.SystemBusy, $"system error: TokenCenter rate limit reached for this caller, retry after {seconds} s");
        return reply.WriteAsync(context, context.RequestServices.GetRequiredService<TimeProvider>());
    }
}
