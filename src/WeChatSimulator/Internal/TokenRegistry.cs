using System.Collections.Concurrent;

namespace WeChatSimulator.Internal;

/// <summary>
/// Every token ever issued, by value, so that business APIs can tell unknown (40014) from superseded
/// (40001) and expired (42001). Entries are kept for the simulator's lifetime: at the documented quotas
/// (2000 classic + a few stable tokens per app and day) that is a few MB per app-month.
/// </summary>
internal sealed class TokenRegistry
{
    private readonly ConcurrentDictionary<string, TokenRecord> _tokens = new(StringComparer.Ordinal);

    public void Add(TokenRecord record) => _tokens[record.Value] = record;

    public TokenRecord? Find(string? token) =>
        !string.IsNullOrEmpty(token) && _tokens.TryGetValue(token, out var record) ? record : null;
}
