namespace TokenCenter.Server.Engine;

/// <summary>The token store could not be reached; the message says why (never a secret).</summary>
public sealed class TokenStoreUnavailableException : Exception
{
    public TokenStoreUnavailableException()
    {
    }

    public TokenStoreUnavailableException(string message)
        : base(message)
    {
    }

    public TokenStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
