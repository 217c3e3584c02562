namespace TokenCenter.Server.Engine;

/// <summary>
/// Knows keys that come and go at run time (an authorizer of a third-party platform, a JS-SDK ticket created on its
/// first request), unlike the configured apps. <see cref="TokenEngine.EnsureKeyAsync"/> asks each registered provider
/// (registered as <see cref="IDynamicKeyProvider"/>, received by the engine's constructor) about a key it does not hold,
/// and creates the slot with the source the provider answers.
/// </summary>
public interface IDynamicKeyProvider
{
    /// <summary>
    /// The source serving <paramref name="key"/> when it names a dynamic key this provider knows (e.g. an authorized
    /// account, loaded from the store if need be); null when the key is not this provider's or is unknown.
    /// <paramref name="engine"/> is the engine asking, for keys that depend on another key being served (a ticket on its
    /// app's access token).
    /// </summary>
    ValueTask<ITokenSource?> FindAsync(TokenSlotKey key, TokenEngine engine, CancellationToken cancellationToken);
}
