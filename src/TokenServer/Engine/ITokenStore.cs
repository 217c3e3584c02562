namespace TokenCenter.Server.Engine;

/// <summary>
/// The shared level-2 store of tokens (in memory for one replica, Redis for several). Implementations
/// never accept an empty token value and never let an older version overwrite a newer one.
/// </summary>
public interface ITokenStore
{
    /// <summary>"memory" or "redis": shown in GetStatus and logs.</summary>
    string Name { get; }

    /// <summary>Reads the token held for <paramref name="key"/>, or null when none is stored.</summary>
    /// <exception cref="TokenStoreUnavailableException">The store cannot be reached.</exception>
    Task<StoredToken?> GetAsync(TokenSlotKey key, CancellationToken cancellationToken);

    /// <summary>Returns a fencing version for <paramref name="key"/> higher than every one handed out before.</summary>
    /// <exception cref="TokenStoreUnavailableException">The store cannot be reached.</exception>
    Task<long> NextVersionAsync(TokenSlotKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="token"/> if its version is higher than the stored one (compare-and-set)
    /// and announces it to every replica (<see cref="TokenChanged"/>). Returns false, storing nothing,
    /// when a newer or equal version is already stored.
    /// </summary>
    /// <exception cref="ArgumentException">The token value is empty.</exception>
    /// <exception cref="TokenStoreUnavailableException">The store cannot be reached.</exception>
    Task<bool> TryWriteAsync(TokenSlotKey key, StoredToken token, CancellationToken cancellationToken);

    /// <summary>Removes the token of <paramref name="key"/> (e.g. an authorizer that unauthorized).</summary>
    Task RemoveAsync(TokenSlotKey key, CancellationToken cancellationToken);

    /// <summary>Whether the store answers right now.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Raised when any replica (this one included) stored a new token for a key. Handlers re-read the
    /// store when the version is newer than the one they hold. May be raised on any thread.
    /// </summary>
    event Action<TokenSlotKey, long>? TokenChanged;

    /// <summary>
    /// Raised when the store may have lost tokens or missed writes: it answers again after being
    /// unreachable, or a token it held is gone (FLUSHALL, a restart without persistence). Handlers
    /// reconcile by version: write back a newer valid token held in memory, adopt a newer stored one.
    /// Stores that cannot lose data never raise it (the default). May be raised on any thread.
    /// </summary>
    event Action? ReconcileNeeded
    {
        add { }
        remove { }
    }
}
