namespace TokenCenter.Server.Engine;

/// <summary>
/// The lock that makes one refresh per key run across all replicas (in-process for one replica,
/// RedLock.net over Redis masters for several).
/// </summary>
public interface IDistributedLock
{
    /// <summary>
    /// Tries to take the lock of <paramref name="key"/> for <paramref name="lease"/>, retrying with a
    /// random delay until <paramref name="wait"/> has elapsed. Returns null when the lock could not
    /// be taken (held elsewhere, or no quorum).
    /// </summary>
    Task<ILockLease?> TryAcquireAsync(TokenSlotKey key, TimeSpan lease, TimeSpan wait, CancellationToken cancellationToken);
}

/// <summary>A held lock. Disposing releases it (only if still ours).</summary>
public interface ILockLease : IAsyncDisposable
{
    /// <summary>The key locked.</summary>
    TokenSlotKey Key { get; }

    /// <summary>
    /// Time remaining before the lease may have lapsed (validity, clock drift taken off). A lock that
    /// extends its lease while held (RedLock.net) counts from the last extension known to have been sent.
    /// </summary>
    TimeSpan RemainingValidity { get; }

    /// <summary>
    /// Whether this holder may no longer be the only one: the lease lapsed or failed to be extended,
    /// or another holder took the lock. A lost holder must not call WeChat or write.
    /// </summary>
    bool IsLost { get; }

    /// <summary>Cancelled once the lease is lost (see <see cref="IsLost"/>); never before.</summary>
    CancellationToken Lost { get; }
}
