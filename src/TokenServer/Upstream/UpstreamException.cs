namespace TokenCenter.Server.Upstream;

/// <summary>WeChat refused to issue a token (or could not be reached). Carries WeChat's errcode and errmsg, never a secret.</summary>
public sealed class UpstreamException : Exception
{
    public UpstreamException(int errCode, string errMsg)
        : base($"WeChat answered errcode {errCode}: {errMsg}")
    {
        ErrCode = errCode;
        ErrMsg = errMsg;
    }

    public UpstreamException()
        : this(-1, "unknown upstream error")
    {
    }

    public UpstreamException(string message)
        : this(-1, message)
    {
    }

    public UpstreamException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrCode = -1;
        ErrMsg = message;
    }

    /// <summary>WeChat's errcode; -1 for system busy, timeouts and transport failures.</summary>
    public int ErrCode { get; }

    /// <summary>WeChat's errmsg as answered.</summary>
    public string ErrMsg { get; }
}
