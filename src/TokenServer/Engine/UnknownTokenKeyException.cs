using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

/// <summary>The key names an app (or component / authorizer) that is not configured.</summary>
public sealed class UnknownTokenKeyException : Exception
{
    public UnknownTokenKeyException(TokenSlotKey key)
        : base(Describe(key))
    {
        Key = key;
    }

    public UnknownTokenKeyException()
        : base("the key is not configured")
    {
    }

    public UnknownTokenKeyException(string message)
        : base(message)
    {
    }

    public UnknownTokenKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The key asked for.</summary>
    public TokenSlotKey Key { get; }

    private static string Describe(TokenSlotKey key) => key.Kind switch
    {
        TokenKind.AccessToken => $"app {key.AppId} is not configured",
        TokenKind.ComponentAccessToken => $"component {key.ComponentAppId} is not configured",
        _ => $"key {key} is not configured",
    };
}
