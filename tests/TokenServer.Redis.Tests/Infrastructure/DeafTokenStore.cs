using TokenCenter.Server.Engine;

namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// A store decorator that drops every <see cref="ITokenStore.TokenChanged"/> (pub/sub and the periodic
/// version check): a replica whose pushes are lost. Reads and writes reach Redis as usual.
/// </summary>
internal sealed class DeafTokenStore(ITokenStore inner) : ITokenStore
{
    public string Name => inner.Name;

    public event Action<TokenSlotKey, long>? TokenChanged
    {
        add { }
        remove { }
    }

    public event Action? ReconcileNeeded
    {
        add => inner.ReconcileNeeded += value;
        remove => inner.ReconcileNeeded -= value;
    }

    public Task<StoredToken?> GetAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public Task<long> NextVersionAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.NextVersionAsync(key, cancellationToken);

    public Task<bool> TryWriteAsync(TokenSlotKey key, StoredToken token, CancellationToken cancellationToken) => inner.TryWriteAsync(key, token, cancellationToken);

    public Task RemoveAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.RemoveAsync(key, cancellationToken);

    public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
}
