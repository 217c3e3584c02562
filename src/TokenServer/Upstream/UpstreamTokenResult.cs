namespace TokenCenter.Server.Upstream;

/// <summary>
/// WeChat's answer to a token request: a token and its lifetime, or an errcode and errmsg.
/// Transport failures that outlived the retries are reported as errcode -1 with a description.
/// <see cref="ToString"/> never shows the token.
/// </summary>
public sealed record UpstreamTokenResult
{
    private UpstreamTokenResult(string? token, TimeSpan expiresIn, int errCode, string errMsg)
    {
        Token = token;
        ExpiresIn = expiresIn;
        ErrCode = errCode;
        ErrMsg = errMsg;
    }

    /// <summary>The token, when <see cref="IsSuccess"/>.</summary>
    public string? Token { get; }

    /// <summary>Remaining lifetime as answered (expires_in), when <see cref="IsSuccess"/>.</summary>
    public TimeSpan ExpiresIn { get; }

    /// <summary>WeChat's errcode (0 on success; -1 also for timeouts and transport errors).</summary>
    public int ErrCode { get; }

    /// <summary>WeChat's errmsg (or a description of the transport failure); empty on success.</summary>
    public string ErrMsg { get; }

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

    /// <summary>Throws <see cref="UpstreamException"/> unless a token was issued.</summary>
    public UpstreamTokenResult EnsureSuccess() => IsSuccess ? this : throw new UpstreamException(ErrCode, ErrMsg);

    /// <inheritdoc />
    public override string ToString() => IsSuccess
        ? $"UpstreamTokenResult {{ Token = <redacted>, ExpiresIn = {ExpiresIn} }}"
        : $"UpstreamTokenResult {{ ErrCode = {ErrCode}, ErrMsg = {ErrMsg} }}";
}
