using System.Globalization;
using StackExchange.Redis;
using TokenCenter.Server.Platform.Storage;

namespace TokenCenter.Server.Storage.Redis.Platform;

/// <summary>
/// Authorizers and the shared due set in Redis (layout in <see cref="RedisPlatformKeys"/>). The refresh token is
/// stored only as the ciphertext the caller gives (never decrypted here). Claims pop due entries and put them back
/// at the lease end in one Lua script, so two replicas never claim the same authorizer at once. Removals and new
/// authorizations are announced on <c>{p}:authevents</c> (see <c>RedisAuthorizerStore.Events.cs</c>).
/// </summary>
internal sealed partial class RedisAuthorizerStore : IAuthorizerStore
{
    private readonly RedisPlatformCommands _redis;

    public RedisAuthorizerStore(RedisPlatformCommands redis, Microsoft.Extensions.Logging.ILogger<RedisAuthorizerStore> logger)
    {
        _redis = redis;
        _logger = logger;
        _ = EnsureSubscribedAsync(); // a failure is retried by the next store call
    }

    public async Task SaveAsync(AuthorizerRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        _ = EnsureSubscribedAsync();
        RedisKey[] keys = [_redis.Keys.Authorizer(record.ComponentAppId, record.AppId), _redis.Keys.AuthorizerIndex(record.ComponentAppId)];
        var args = SaveArguments(record, expected: null);
        await _redis.RunAsync("authorizer write", db => db.ScriptEvaluateAsync(RedisPlatformScripts.SaveAuthorizer, keys, args), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TrySaveAsync(AuthorizerRecord record, string expectedEncryptedRefreshToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrEmpty(expectedEncryptedRefreshToken);
        _ = EnsureSubscribedAsync();
        RedisKey[] keys = [_redis.Keys.Authorizer(record.ComponentAppId, record.AppId)];
        var args = SaveArguments(record, expectedEncryptedRefreshToken);
        return await _redis.RunAsync(
            "authorizer conditional write",
            async db => (long)await db.ScriptEvaluateAsync(RedisPlatformScripts.TrySaveAuthorizer, keys, args).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    private RedisValue[] SaveArguments(AuthorizerRecord record, string? expected)
    {
        RedisValue[] args =
        [
            record.AppId,
            record.EncryptedRefreshToken,
            KeyIdOf(record.EncryptedRefreshToken),
            record.AuthorizedAt.ToUnixTimeMilliseconds(),
            record.NeedsReauthorization ? "1" : "0",
            (string)_redis.Keys.AuthorizerEvents!,
            Message(Added, record.ComponentAppId, record.AppId),
        ];
        return expected is null ? args : [.. args, expected];
    }

    public async Task<AuthorizerRecord?> GetAsync(string componentAppId, string appId, CancellationToken cancellationToken)
    {
        _ = EnsureSubscribedAsync();
        var key = _redis.Keys.Authorizer(componentAppId, appId);
        var fields = await _redis.RunAsync("authorizer read", db => db.HashGetAsync(key, Fields), cancellationToken).ConfigureAwait(false);
        return Parse(componentAppId, appId, fields);
    }

    public async Task<bool> RemoveAsync(string componentAppId, string appId, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [_redis.Keys.Authorizer(componentAppId, appId), _redis.Keys.AuthorizerIndex(componentAppId), _redis.Keys.Due(componentAppId)];
        RedisValue[] args = [appId, (string)_redis.Keys.AuthorizerEvents!, Message(Removed, componentAppId, appId)];
        // The due entry, the record and its index entry in one script (one hash tag), announced to every replica.
        var removed = await _redis.RunAsync(
            "authorizer remove",
            async db => (long)await db.ScriptEvaluateAsync(RedisPlatformScripts.RemoveAuthorizer, keys, args).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
        Raise(AuthorizerRemoved, new AuthorizerId(componentAppId, appId)); // at once here; the echo is harmless
        return removed;
    }

    public async Task<IReadOnlyList<AuthorizerRecord>> ListAsync(string componentAppId, string? afterAppId, int count, CancellationToken cancellationToken)
    {
        if (count <= 0)
        {
            return [];
        }

        RedisKey[] keys = [_redis.Keys.AuthorizerIndex(componentAppId)];
        RedisValue[] args = [afterAppId is null ? "-" : "(" + afterAppId, count];
        var ids = (RedisValue[])(await _redis.RunAsync("authorizer list", db => db.ScriptEvaluateAsync(RedisPlatformScripts.ListAuthorizers, keys, args), cancellationToken).ConfigureAwait(false))!;
        if (ids.Length == 0)
        {
            return [];
        }

        var records = await _redis.RunAsync(
            "authorizer list read",
            db => Task.WhenAll(ids.Select(id => db.HashGetAsync(_redis.Keys.Authorizer(componentAppId, id!), Fields))),
            cancellationToken).ConfigureAwait(false);
        var page = new List<AuthorizerRecord>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            if (Parse(componentAppId, ids[i]!, records[i]) is { } record)
            {
                page.Add(record); // an index entry without its record (removed meanwhile) is skipped
            }
        }

        return page;
    }

    public Task ScheduleAsync(AuthorizerId id, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var key = _redis.Keys.Due(id.ComponentAppId);
        return _redis.RunAsync("due schedule", db => db.SortedSetAddAsync(key, id.AppId, due.ToUnixTimeMilliseconds()), cancellationToken);
    }

    public Task ScheduleIfAbsentAsync(AuthorizerId id, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var key = _redis.Keys.Due(id.ComponentAppId);
        return _redis.RunAsync("due schedule if absent", db => db.SortedSetAddAsync(key, id.AppId, due.ToUnixTimeMilliseconds(), When.NotExists), cancellationToken);
    }

    public async Task<IReadOnlyList<string>> UnscheduledAsync(string componentAppId, IReadOnlyList<string> appIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(appIds);
        if (appIds.Count == 0)
        {
            return [];
        }

        RedisKey[] keys = [_redis.Keys.Due(componentAppId)];
        RedisValue[] args = [.. appIds.Select(a => (RedisValue)a)];
        var missing = (RedisValue[])(await _redis.RunAsync("due lookup", db => db.ScriptEvaluateAsync(RedisPlatformScripts.Unscheduled, keys, args), cancellationToken).ConfigureAwait(false))!;
        return [.. missing.Select(m => (string)m!)];
    }

    public Task UnscheduleAsync(AuthorizerId id, CancellationToken cancellationToken)
    {
        var key = _redis.Keys.Due(id.ComponentAppId);
        return _redis.RunAsync("due unschedule", db => db.SortedSetRemoveAsync(key, id.AppId), cancellationToken);
    }

    public async Task<IReadOnlyList<AuthorizerId>> ClaimDueAsync(string componentAppId, DateTimeOffset now, int max, DateTimeOffset hideUntil, CancellationToken cancellationToken)
    {
        if (max <= 0)
        {
            return [];
        }

        _ = EnsureSubscribedAsync();
        RedisKey[] keys = [_redis.Keys.Due(componentAppId)];
        RedisValue[] args = [now.ToUnixTimeMilliseconds(), max, hideUntil.ToUnixTimeMilliseconds()];
        var members = (RedisValue[])(await _redis.RunAsync("due claim", db => db.ScriptEvaluateAsync(RedisPlatformScripts.ClaimDue, keys, args), cancellationToken).ConfigureAwait(false))!;
        var claimed = new List<AuthorizerId>(members.Length);
        foreach (var member in members)
        {
            if (!member.IsNullOrEmpty)
            {
                claimed.Add(new AuthorizerId(componentAppId, member!));
            }
        }

        return claimed;
    }

    /// <summary>Entries in a component's due set (tests and status).</summary>
    internal Task<long> ScheduledCountAsync(string componentAppId, CancellationToken cancellationToken)
    {
        var key = _redis.Keys.Due(componentAppId);
        return _redis.RunAsync("due count", db => db.SortedSetLengthAsync(key), cancellationToken);
    }

    private static readonly RedisValue[] Fields = ["refresh", "authorized_at", "reauth"];

    private static AuthorizerRecord? Parse(string componentAppId, string appId, RedisValue[] fields)
    {
        if (fields[0].IsNullOrEmpty || !long.TryParse((string?)fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var at))
        {
            return null;
        }

        return new AuthorizerRecord(componentAppId, appId, fields[0]!, DateTimeOffset.FromUnixTimeMilliseconds(at), fields[2] == "1");
    }

    // "v1:{keyId}:{payload}" (SecretCipher): the key id, kept beside the ciphertext for operators (rotation).
    private static string KeyIdOf(string ciphertext)
    {
        var parts = ciphertext.Split(':', 3);
        return parts.Length == 3 ? parts[1] : string.Empty;
    }
}
