using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

/// <summary>
/// A grant: how the tokens of one <see cref="TokenKind"/> are obtained from WeChat. The engine keeps one
/// slot per key a source declares; supporting a new kind (component, authorizer, tickets) means adding
/// a source and registering it as <see cref="ITokenSource"/>.
/// </summary>
public interface ITokenSource
{
    /// <summary>The kind of token this source issues.</summary>
    TokenKind Kind { get; }

    /// <summary>The keys configured for this source.</summary>
    IReadOnlyCollection<TokenSlotKey> Keys { get; }

    /// <summary>Grant name shown in GetStatus ("stable", "classic", …).</summary>
    string GrantName(TokenSlotKey key);

    /// <summary>When a token of <paramref name="key"/> is refreshed proactively: remaining lifetime below <c>Ahead</c> plus up to <c>Jitter</c>.</summary>
    RefreshWindow Window(TokenSlotKey key);

    /// <summary>
    /// Obtains a token. <paramref name="staleValue"/> is set for a forced refresh: the value a caller saw
    /// rejected, which the source must not return again if it can help it. Returns WeChat's answer
    /// (token or error); throws only on cancellation.
    /// </summary>
    Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="key"/>'s upstream has a separate, limited force mode (stable_token's
    /// <c>force_refresh=true</c>). Then a forced refresh asks normal mode first (<see cref="FetchAsync"/>
    /// without a stale value) and calls <see cref="FetchForcedAsync"/> only when it answers the stale value.
    /// </summary>
    bool HasForceMode(TokenSlotKey key) => false;

    /// <summary>Obtains a token in force mode, in one attempt (never retried). Only when <see cref="HasForceMode"/>.</summary>
    Task<UpstreamTokenResult> FetchForcedAsync(TokenSlotKey key, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{key} has no force mode");
}

/// <summary>Proactive refresh window of a key.</summary>
public readonly record struct RefreshWindow(TimeSpan Ahead, TimeSpan Jitter);
