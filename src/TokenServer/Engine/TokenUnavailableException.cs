namespace TokenCenter.Server.Engine;

/// <summary>
/// No valid token is held for a key and none could be obtained for a reason other than a WeChat answer
/// (store unreachable, refresh lock held elsewhere, server stopping). The message says why.
/// </summary>
public sealed class TokenUnavailableException : Exception
{
    public TokenUnavailableException()
        : base("no valid token is available")
    {
    }

    public TokenUnavailableException(string message)
        : base(message)
    {
    }

    public TokenUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
