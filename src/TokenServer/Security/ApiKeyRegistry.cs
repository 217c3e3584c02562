using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace TokenCenter.Server.Security;

/// <summary>
/// Resolves a presented API key to its <see cref="ApiCaller"/>: hashes it with SHA-256 and compares the
/// hash with every configured hash in constant time (no early exit, so timing reveals nothing).
/// </summary>
internal sealed class ApiKeyRegistry
{
    private readonly (byte[] Hash, ApiCaller Caller)[] _keys;

    public ApiKeyRegistry(IOptions<AuthOptions> options)
    {
        Enabled = options.Value.Enabled;
        _keys = [.. options.Value.Keys
            .Where(k => !string.IsNullOrWhiteSpace(k.Name) && ApiKeyHash.TryParse(k.Sha256, out _))
            .Select(k =>
            {
                ApiKeyHash.TryParse(k.Sha256, out var hash);
                return (hash, new ApiCaller(k.Name!, new HashSet<string>(k.Apps, StringComparer.Ordinal), k.CanForceRefresh, k.Operator));
            })];
    }

    public bool Enabled { get; }

    /// <summary>The caller whose key is <paramref name="presented"/>, or null.</summary>
    public ApiCaller? Find(string presented)
    {
        var hash = ApiKeyHash.Of(presented);
        ApiCaller? found = null;
        foreach (var (candidate, caller) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, candidate))
            {
                found ??= caller;
            }
        }

        return found;
    }
}
