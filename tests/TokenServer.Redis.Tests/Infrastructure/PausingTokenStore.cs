using TokenCenter.Server.Engine;

namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// A store decorator whose next write, once armed, stops before reaching Redis until released: a
/// lock holder stalled (GC pause, slow network) between fetching a token and storing it.
/// </summary>
internal sealed class PausingTokenStore(ITokenStore inner) : ITokenStore
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    public TaskCompletionSource<StoredToken> Paused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The answer of the store to the write that was held back.</summary>
    public TaskCompletionSource<bool> PausedWriteResult { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => inner.Name;

    public event Action<TokenSlotKey, long>? TokenChanged
    {
        add => inner.TokenChanged += value;
        remove => inner.TokenChanged -= value;
    }

    public event Action? ReconcileNeeded
    {
        add => inner.ReconcileNeeded += value;
        remove => inner.ReconcileNeeded -= value;
    }

    public void Arm() => Volatile.Write(ref _armed, 1);

    public void Release() => _release.TrySetResult();

    public async Task<bool> TryWriteAsync(TokenSlotKey key, StoredToken token, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            Paused.TrySetResult(token);
            await _release.Task.WaitAsync(cancellationToken);
            var written = await inner.TryWriteAsync(key, token, cancellationToken);
            PausedWriteResult.TrySetResult(written);
            return written;
        }

        return await inner.TryWriteAsync(key, token, cancellationToken);
    }

    public Task<StoredToken?> GetAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public Task<long> NextVersionAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.NextVersionAsync(key, cancellationToken);

    public Task RemoveAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.RemoveAsync(key, cancellationToken);

    public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
}
