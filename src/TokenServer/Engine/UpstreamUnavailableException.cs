namespace TokenCenter.Server.Engine;

/// <summary>No valid token is held for a key and WeChat refused or failed to issue one. Carries WeChat's errcode and errmsg.</summary>
public sealed class UpstreamUnavailableException : Exception
{
    public UpstreamUnavailableException(int errCode, string errMsg)
        : base($"WeChat answered errcode {errCode}: {errMsg}")
    {
        ErrCode = errCode;
        ErrMsg = errMsg;
    }

    public UpstreamUnavailableException()
        : this(-1, "no token could be obtained")
    {
    }

    public UpstreamUnavailableException(string message)
        : this(-1, message)
    {
    }

    public UpstreamUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrCode = -1;
        ErrMsg = message;
    }

    /// <summary>WeChat's errcode (-1 for system busy, timeouts and transport errors).</summary>
    public int ErrCode { get; }

    /// <summary>WeChat's errmsg as answered.</summary>
    public string ErrMsg { get; }
}
