namespace TokenCenter.Server.Engine;

/// <summary>
/// The token store could not be reached. <see cref="Exception.Message"/> says why for the logs and the
/// operator (client diagnostics: endpoints, connection state; never a secret); <see cref="Reason"/> is the
/// short form callers see (gRPC UNAVAILABLE, readiness), without addresses or key names.
/// </summary>
public sealed class TokenStoreUnavailableException : Exception
{
    /// <summary>What callers are told, e.g. "Redis HGETALL failed". Default: "the store did not answer".</summary>
    public string Reason { get; init; } = "the store did not answer";

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
