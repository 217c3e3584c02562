namespace TokenCenter.Server.Platform.Storage;

/// <summary>
/// An account that authorized a component. <see cref="EncryptedRefreshToken"/> is the authorizer_refresh_token
/// encrypted at rest (AES-GCM, see <c>SecretCipher</c>). Never printed with it.
/// </summary>
public sealed record AuthorizerRecord(string ComponentAppId, string AppId, string EncryptedRefreshToken, DateTimeOffset AuthorizedAt, bool NeedsReauthorization)
{
    public override string ToString() => $"AuthorizerRecord {{ ComponentAppId = {ComponentAppId}, AppId = {AppId}, NeedsReauthorization = {NeedsReauthorization} }}";
}

/// <summary>An authorizer named in the shared due set.</summary>
public readonly record struct AuthorizerId(string ComponentAppId, string AppId);

/// <summary>
/// Authorizers and the shared refresh schedule (memory for one replica; Redis <c>{p}:auth:{component}:{app}</c>,
/// the index <c>{p}:authidx:{component}</c> and the due set <c>{p}:due</c> for several). The due set is the only
/// scheduler state: replicas claim due entries atomically, so each refresh runs on one replica.
/// </summary>
public interface IAuthorizerStore
{
    Task SaveAsync(AuthorizerRecord record, CancellationToken cancellationToken);

    Task<AuthorizerRecord?> GetAsync(string componentAppId, string appId, CancellationToken cancellationToken);

    /// <summary>Removes the authorizer and its due entry; announces it to every replica (<see cref="AuthorizerRemoved"/>). False when unknown.</summary>
    Task<bool> RemoveAsync(string componentAppId, string appId, CancellationToken cancellationToken);

    /// <summary>Authorizers of a component in app id order, after <paramref name="afterAppId"/> (exclusive; null: from the start).</summary>
    Task<IReadOnlyList<AuthorizerRecord>> ListAsync(string componentAppId, string? afterAppId, int count, CancellationToken cancellationToken);

    /// <summary>Sets (or moves) the due time of an authorizer's next refresh.</summary>
    Task ScheduleAsync(AuthorizerId id, DateTimeOffset due, CancellationToken cancellationToken);

    /// <summary>Removes the due entry (the authorizer needs re-authorization).</summary>
    Task UnscheduleAsync(AuthorizerId id, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically takes up to <paramref name="max"/> entries due at <paramref name="now"/> and moves them to
    /// <paramref name="hideUntil"/>, so no other replica takes them; if this replica dies they come back then.
    /// </summary>
    Task<IReadOnlyList<AuthorizerId>> ClaimDueAsync(DateTimeOffset now, int max, DateTimeOffset hideUntil, CancellationToken cancellationToken);

    /// <summary>Raised (on any replica) when an authorizer was removed; handlers drop its tokens from memory.</summary>
    event Action<AuthorizerId>? AuthorizerRemoved;

    /// <summary>Raised (on any replica) when an authorizer was stored new or re-authorized; handlers forget stale per-key state.</summary>
    event Action<AuthorizerId>? AuthorizerAdded;
}
