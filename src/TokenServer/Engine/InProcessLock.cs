namespace TokenCenter.Server.Engine;

/// <summary>
/// The embedded lock for a single replica: one holder per key, with a lease measured on the
/// <see cref="TimeProvider"/> (a holder that outlives its lease loses the lock to the next taker).
/// </summary>
internal sealed class InProcessLock(TimeProvider time) : IRefreshLockBackend
{
    private readonly TimeProvider _time = time;
    private readonly Lock _gate = new();
    private readonly Dictionary<TokenSlotKey, Holder> _held = [];

    /// <inheritdoc />
    public async Task<ILockLease?> TryAcquireAsync(TokenSlotKey key, TimeSpan lease, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        var giveUpAt = _time.GetUtcNow() + wait;
        while (true)
        {
            Task released;
            TimeSpan sleep;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (!_held.TryGetValue(key, out var holder) || holder.ExpiresAt <= now)
                {
                    holder?.Released.TrySetResult();
                    holder?.Replaced();
                    var mine = new Holder(now + lease, lease);
                    _held[key] = mine;
                    return new Lease(this, key, mine);
                }

                if (now >= giveUpAt)
                {
                    return null;
                }

                released = holder.Released.Task;
                sleep = Min(giveUpAt - now, holder.ExpiresAt - now);
            }

            try
            {
                await released.WaitAsync(sleep, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Lease lapsed or our wait ended: look again.
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed class Holder(DateTimeOffset expiresAt, TimeSpan lease)
    {
        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

        public TimeSpan Lease { get; } = lease;

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenSource LostSource { get; } = new();

        /// <summary>Another holder took the lock after this one's lease lapsed.</summary>
        public void Replaced() => LostSource.Cancel();
    }

    private sealed class Lease(InProcessLock owner, TokenSlotKey key, Holder holder) : ILockLease
    {
        public TokenSlotKey Key => key;

        /// <summary>
        /// A holder in this process is alive until it releases the lock, so its lease counts as
        /// extended while held (as RedLock.net extends it); it is lost only when another taker replaced
        /// it after the lease lapsed on the <see cref="TimeProvider"/> (a test clock may jump past it).
        /// </summary>
        public TimeSpan RemainingValidity => IsLost ? TimeSpan.Zero : holder.Lease;

        public bool IsLost => holder.LostSource.IsCancellationRequested;

        public CancellationToken Lost => holder.LostSource.Token;

        public ValueTask DisposeAsync()
        {
            lock (owner._gate)
            {
                if (owner._held.TryGetValue(key, out var current) && ReferenceEquals(current, holder))
                {
                    owner._held.Remove(key);
                }
            }

            holder.Released.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
