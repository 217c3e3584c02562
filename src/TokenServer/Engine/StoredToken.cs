namespace TokenCenter.Server.Engine;

/// <summary>
/// A token as held in memory and in the store. <see cref="Version"/> strictly grows per key; a store
/// accepts a write only when its version is higher than the one it holds (fencing).
/// </summary>
public sealed record StoredToken(string Value, DateTimeOffset ExpiresAt, DateTimeOffset ObtainedAt, long Version)
{
    /// <summary>Whether the token is still accepted by WeChat at <paramref name="now"/>.</summary>
    public bool IsValidAt(DateTimeOffset now) => now < ExpiresAt;
}
