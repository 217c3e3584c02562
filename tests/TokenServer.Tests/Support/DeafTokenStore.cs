using TokenCenter.Server.Engine;

namespace TokenServer.Tests.Support;

/// <summary>
/// A store whose <see cref="ITokenStore.TokenChanged"/> never reaches the engine: a replica whose
/// pub/sub push was lost. Writes and reads go through to <paramref name="inner"/>.
/// </summary>
internal sealed class DeafTokenStore(ITokenStore inner) : ITokenStore
{
    public ITokenStore Inner => inner;

    public string Name => inner.Name;

    public event Action<TokenSlotKey, long>? TokenChanged
    {
        add { }
        remove { }
    }

    public Task<StoredToken?> GetAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public Task<long> NextVersionAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.NextVersionAsync(key, cancellationToken);

    public Task<bool> TryWriteAsync(TokenSlotKey key, StoredToken token, CancellationToken cancellationToken) => inner.TryWriteAsync(key, token, cancellationToken);

    public Task RemoveAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.RemoveAsync(key, cancellationToken);

    public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
}
