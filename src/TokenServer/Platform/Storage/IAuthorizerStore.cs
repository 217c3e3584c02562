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
/// the index <c>{p}:authidx:{component}</c> and one due set per component <c>{p}:due:{component}</c> for several).
/// The due sets are the only scheduler state: replicas claim due entries atomically, so each refresh runs on one
/// replica; a replica claims only from the due sets of the components it is configured with.
/// </summary>
public interface IAuthorizerStore
{
    /// <summary>Stores the record whatever is stored (a new authorization: the authority on the refresh token).</summary>
    Task SaveAsync(AuthorizerRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-set: stores <paramref name="record"/> only when an authorizer is stored whose refresh-token
    /// ciphertext is <paramref name="expectedEncryptedRefreshToken"/>. False, storing nothing, when it was removed
    /// or re-authorized meanwhile (each encryption gives a new ciphertext, so a re-authorization always differs).
    /// </summary>
    Task<bool> TrySaveAsync(AuthorizerRecord record, string expectedEncryptedRefreshToken, CancellationToken cancellationToken);

    Task<AuthorizerRecord?> GetAsync(string componentAppId, string appId, CancellationToken cancellationToken);

    /// <summary>Removes the authorizer and its due entry; announces it to every replica (<see cref="AuthorizerRemoved"/>). False when unknown.</summary>
    Task<bool> RemoveAsync(string componentAppId, string appId, CancellationToken cancellationToken);

    /// <summary>Authorizers of a component in app id order, after <paramref name="afterAppId"/> (exclusive; null: from the start).</summary>
    Task<IReadOnlyList<AuthorizerRecord>> ListAsync(string componentAppId, string? afterAppId, int count, CancellationToken cancellationToken);

    /// <summary>Sets (or moves) the due time of an authorizer's next refresh.</summary>
    Task ScheduleAsync(AuthorizerId id, DateTimeOffset due, CancellationToken cancellationToken);

    /// <summary>Sets the due time only when the authorizer has no due entry (rebuilding the schedule never moves one).</summary>
    Task ScheduleIfAbsentAsync(AuthorizerId id, DateTimeOffset due, CancellationToken cancellationToken);

    /// <summary>Those of <paramref name="appIds"/> that have no due entry in their component's due set.</summary>
    Task<IReadOnlyList<string>> UnscheduledAsync(string componentAppId, IReadOnlyList<string> appIds, CancellationToken cancellationToken);

    /// <summary>Removes the due entry (the authorizer needs re-authorization).</summary>
    Task UnscheduleAsync(AuthorizerId id, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically takes up to <paramref name="max"/> entries of <paramref name="componentAppId"/>'s due set due at
    /// <paramref name="now"/> and moves them to <paramref name="hideUntil"/>, so no other replica takes them; if this
    /// replica dies they come back then.
    /// </summary>
    Task<IReadOnlyList<AuthorizerId>> ClaimDueAsync(string componentAppId, DateTimeOffset now, int max, DateTimeOffset hideUntil, CancellationToken cancellationToken);

    /// <summary>Raised (on any replica) when an authorizer was removed; handlers drop its tokens from memory.</summary>
    event Action<AuthorizerId>? AuthorizerRemoved;

    /// <summary>Raised (on any replica) when an authorizer was stored new or re-authorized; handlers forget stale per-key state.</summary>
    event Action<AuthorizerId>? AuthorizerAdded;
}
