namespace TokenCenter.Server.Storage.Redis.Platform;

/// <summary>The Lua scripts of the platform stores (each touches keys of one hash tag only).</summary>
internal static class RedisPlatformScripts
{
    /// <summary>
    /// Latest ticket wins. KEYS: ticket. ARGV: value, created_at, received_at, ttl ms, now (unix ms), lifetime ms.
    /// Refuses (0) when the held ticket is newer by CreateTime and still valid; otherwise stores (1).
    /// </summary>
    public const string SetTicket = """
        local held = tonumber(redis.call('HGET', KEYS[1], 'created_at') or '-1')
        local received = tonumber(redis.call('HGET', KEYS[1], 'received_at') or '-1')
        if held > tonumber(ARGV[2]) and received + tonumber(ARGV[6]) > tonumber(ARGV[5]) then return 0 end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'value', ARGV[1], 'created_at', ARGV[2], 'received_at', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 1
        """;

    /// <summary>Forgets a refused ticket if it is still the held one. KEYS: ticket. ARGV: value.</summary>
    public const string RejectTicket = """
        if redis.call('HGET', KEYS[1], 'value') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    /// <summary>
    /// Saves an authorizer. KEYS: auth, index. ARGV: app, refresh (ciphertext), key id, authorized_at, reauth (0/1),
    /// channel, "added" message. Publishes the message when the account is new or was waiting for re-authorization.
    /// </summary>
    public const string SaveAuthorizer = """
        local old = redis.call('HGET', KEYS[1], 'reauth')
        redis.call('HSET', KEYS[1], 'refresh', ARGV[2], 'key_id', ARGV[3], 'authorized_at', ARGV[4], 'reauth', ARGV[5])
        redis.call('ZADD', KEYS[2], 0, ARGV[1])
        if ARGV[5] == '0' and old ~= '0' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
        return 1
        """;

    /// <summary>
    /// Compare-and-set of an authorizer: as <see cref="SaveAuthorizer"/>, but only when the stored refresh ciphertext is
    /// ARGV[8] (0, storing nothing, when the record was removed or re-authorized meanwhile).
    /// </summary>
    public const string TrySaveAuthorizer = """
        local held = redis.call('HGET', KEYS[1], 'refresh')
        if held ~= ARGV[8] then return 0 end
        local old = redis.call('HGET', KEYS[1], 'reauth')
        redis.call('HSET', KEYS[1], 'refresh', ARGV[2], 'key_id', ARGV[3], 'authorized_at', ARGV[4], 'reauth', ARGV[5])
        if ARGV[5] == '0' and old ~= '0' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
        return 1
        """;

    /// <summary>
    /// Removes an authorizer and its due entry. KEYS: auth, index, due (of its component). ARGV: app, channel,
    /// "removed" message. Returns 1 when it existed.
    /// </summary>
    public const string RemoveAuthorizer = """
        redis.call('ZREM', KEYS[3], ARGV[1])
        local n = redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return n
        """;

    /// <summary>Those of ARGV (app ids) without an entry in KEYS[1] (a component's due set).</summary>
    public const string Unscheduled = """
        local missing = {}
        for _, app in ipairs(ARGV) do
          if not redis.call('ZSCORE', KEYS[1], app) then missing[#missing + 1] = app end
        end
        return missing
        """;

    /// <summary>A page of the index. KEYS: index. ARGV: lexical start ('-' or '(after'), count.</summary>
    public const string ListAuthorizers = """
        return redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
        """;

    /// <summary>
    /// Claims due entries: pops up to max members with score ≤ now and puts each back at hideUntil, atomically,
    /// so no other replica claims them until then. KEYS: due (of one component). ARGV: now, max, hideUntil (unix ms).
    /// Returns the members (app ids).
    /// </summary>
    public const string ClaimDue = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
        for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[3], id) end
        return ids
        """;
}
