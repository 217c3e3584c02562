using System.Collections.Concurrent;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Observability;

/// <summary>
/// The <see cref="IDistributedLock"/> the engine and the platform take: the storage backend's lock
/// (<see cref="IRefreshLockBackend"/>, in-process or RedLock.net), counting acquisitions and failures and keeping
/// the leases held so that a stopping server can release them (<see cref="ReleaseAllAsync"/>).
/// </summary>
internal sealed class InstrumentedLock(IRefreshLockBackend inner, TokenCenterMetrics metrics) : IDistributedLock
{
    private readonly ConcurrentDictionary<TrackedLease, byte> _held = new();

    /// <summary>Leases held right now.</summary>
    public int HeldCount => _held.Count;

    public async Task<ILockLease?> TryAcquireAsync(TokenSlotKey key, TimeSpan lease, TimeSpan wait, CancellationToken cancellationToken)
    {
        ILockLease? acquired;
        try
        {
            acquired = await inner.TryAcquireAsync(key, lease, wait, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.LockAttempt("error");
            throw;
        }

        metrics.LockAttempt(acquired is null ? "failed" : "acquired");
        if (acquired is null)
        {
            return null;
        }

        var tracked = new TrackedLease(acquired, this);
        _held.TryAdd(tracked, 0);
        return tracked;
    }

    /// <summary>Releases every lease still held (server stopping).</summary>
    public async Task ReleaseAllAsync()
    {
        foreach (var lease in _held.Keys)
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class TrackedLease(ILockLease inner, InstrumentedLock owner) : ILockLease
    {
        private int _disposed;

        public TokenSlotKey Key => inner.Key;

        public TimeSpan RemainingValidity => inner.RemainingValidity;

        public bool IsLost => inner.IsLost;

        public CancellationToken Lost => inner.Lost;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return ValueTask.CompletedTask;
            }

            owner._held.TryRemove(this, out _);
            return inner.DisposeAsync();
        }
    }
}
