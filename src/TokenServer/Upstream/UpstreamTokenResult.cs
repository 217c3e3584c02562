namespace TokenCenter.Server.Upstream;

/// <summary>
/// WeChat's answer to a token request: a token and its lifetime, or an errcode and errmsg.
/// Transport failures that outlived the retries are reported as errcode -1 with a description.
/// <see cref="ToString"/> never shows the token.
/// </summary>
public sealed record UpstreamTokenResult
{
    private UpstreamTokenResult(string? token, TimeSpan expiresIn, int errCode, string errMsg, bool answered = true)
    {
        Token = token;
        ExpiresIn = expiresIn;
        ErrCode = errCode;
        ErrMsg = errMsg;
        Answered = answered;
    }

    /// <summary>The token, when <see cref="IsSuccess"/>.</summary>
    public string? Token { get; }

    /// <summary>Remaining lifetime as answered (expires_in), when <see cref="IsSuccess"/>.</summary>
    public TimeSpan ExpiresIn { get; }

    /// <summary>WeChat's errcode (0 on success; -1 also for timeouts and transport errors).</summary>
    public int ErrCode { get; }

    /// <summary>WeChat's errmsg (or a description of the transport failure); empty on success.</summary>
    public string ErrMsg { get; }

    /// <summary>
    /// Whether WeChat answered (a token or an errcode); false for timeouts, transport errors and answers
    /// that are not WeChat JSON, after which it is unknown whether WeChat acted on the request.
    /// </summary>
    public bool Answered { get; }

    /// <summary>Whether a token was issued.</summary>
    public bool IsSuccess => Token is not null;

    /// <summary>A token answer.</summary>
    public static UpstreamTokenResult Success(string token, TimeSpan expiresIn)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new(token, expiresIn, 0, string.Empty);
    }

    /// <summary>An error answer.</summary>
    public static UpstreamTokenResult Failure(int errCode, string errMsg) => new(null, TimeSpan.Zero, errCode, errMsg ?? string.Empty);

    /// <summary>No WeChat answer (timeout, transport error, not WeChat JSON): errcode -1 and a description.</summary>
    public static UpstreamTokenResult NoAnswer(string description) => new(null, TimeSpan.Zero, -1, description ?? string.Empty, answered: false);

    /// <summary>
    /// A token-shaped WeChat answer (<paramref name="field"/> and <c>expires_in</c>: access_token, component_access_token,
    /// pre_auth_code, ticket) as a result: no answer, WeChat's errcode, or -1 when a field is missing.
    /// </summary>
    internal static UpstreamTokenResult Of(WeChatAnswer answer, string field)
    {
        if (!answer.Answered)
        {
            return NoAnswer(answer.ErrMsg);
        }

        if (answer.ErrCode != 0)
        {
            return Failure(answer.ErrCode, answer.ErrMsg);
        }

        return answer.String(field) is { Length: > 0 } token && answer.Seconds("expires_in") is { } expiresIn
            ? Success(token, expiresIn)
            : Failure(-1, $"no {field} or positive expires_in in the answer");
    }

    /// <summary>Throws <see cref="UpstreamException"/> unless a token was issued.</summary>
    public UpstreamTokenResult EnsureSuccess() => IsSuccess ? this : throw new UpstreamException(ErrCode, ErrMsg);

    /// <inheritdoc />
    public override string ToString() => IsSuccess
        ? $"UpstreamTokenResult {{ Token = <redacted>, ExpiresIn = {ExpiresIn} }}"
        : $"UpstreamTokenResult {{ ErrCode = {ErrCode}, ErrMsg = {ErrMsg} }}";
}
