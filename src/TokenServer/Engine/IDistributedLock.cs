namespace TokenCenter.Server.Engine;

/// <summary>
/// The lock that makes one refresh per key run across all replicas (in-process for one replica,
/// Redlock over Redis masters for several).
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

    /// <summary>Time remaining before the lease may have lapsed (validity, clock drift taken off).</summary>
    TimeSpan RemainingValidity { get; }

    /// <summary>Extends the lease to <paramref name="lease"/> from now; false when it was lost.</summary>
    Task<bool> ExtendAsync(TimeSpan lease, CancellationToken cancellationToken);
}
