namespace TokenCenter.Server.Storage.Redis;

/// <summary>The Lua scripts of the store and the lock (each runs atomically on one server).</summary>
internal static class RedisScripts
{
    /// <summary>
    /// Compare-and-set write of a token. KEYS: tok, ver. ARGV: value, expires_at, obtained_at,
    /// version, ttl_ms, channel, message. Writes only when the stored version is absent or lower,
    /// raises the version source to at least the written version, publishes the event.
    /// Returns 1 when written, 0 when refused.
    /// </summary>
    public const string CompareAndSetToken = """
        local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
        local version = tonumber(ARGV[4])
        if current >= version then return 0 end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'value', ARGV[1], 'expires_at', ARGV[2], 'obtained_at', ARGV[3], 'version', ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        local source = tonumber(redis.call('GET', KEYS[2]) or '0')
        if source < version then redis.call('SET', KEYS[2], ARGV[4]) end
        redis.call('PUBLISH', ARGV[6], ARGV[7])
        return 1
        """;

    /// <summary>
    /// Next fencing version. KEYS: ver, tok. Returns max(ver, stored version) + 1 and stores it,
    /// so the source never falls behind the stored token (e.g. after FLUSHALL and a rewrite).
    /// </summary>
    public const string NextVersion = """
        local next = redis.call('INCR', KEYS[1])
        local stored = tonumber(redis.call('HGET', KEYS[2], 'version') or '0')
        if next <= stored then
          next = stored + 1
          redis.call('SET', KEYS[1], next)
        end
        return next
        """;

    /// <summary>Redlock release. KEYS: lock. ARGV: owner value. Deletes only our own lease.</summary>
    public const string ReleaseLock = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    /// <summary>Redlock extension. KEYS: lock. ARGV: owner value, lease ms. Extends only our own lease.</summary>
    public const string ExtendLock = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;
}
