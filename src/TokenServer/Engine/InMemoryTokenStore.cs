namespace TokenCenter.Server.Engine;

/// <summary>The embedded store for a single replica: tokens in a dictionary, compare-and-set by version.</summary>
internal sealed class InMemoryTokenStore : ITokenStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TokenSlotKey, StoredToken> _tokens = [];
    private readonly Dictionary<TokenSlotKey, long> _versions = [];

    /// <inheritdoc />
    public string Name => "memory";

    /// <inheritdoc />
    public event Action<TokenSlotKey, long>? TokenChanged;

    /// <inheritdoc />
    public Task<StoredToken?> GetAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_tokens.GetValueOrDefault(key));
        }
    }

    /// <inheritdoc />
    public Task<long> NextVersionAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var next = _versions.GetValueOrDefault(key) + 1;
            _versions[key] = next;
            return Task.FromResult(next);
        }
    }

    /// <inheritdoc />
    public Task<bool> TryWriteAsync(TokenSlotKey key, StoredToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (string.IsNullOrEmpty(token.Value))
        {
            throw new ArgumentException("An empty token value is never stored.", nameof(token));
        }

        lock (_gate)
        {
            if (_tokens.TryGetValue(key, out var held) && held.Version >= token.Version)
            {
                return Task.FromResult(false);
            }

            _tokens[key] = token;
            if (_versions.GetValueOrDefault(key) < token.Version)
            {
                _versions[key] = token.Version;
            }
        }

        TokenChanged?.Invoke(key, token.Version);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task RemoveAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _tokens.Remove(key);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
