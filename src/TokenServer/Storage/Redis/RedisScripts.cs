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
    /// Next fencing version. KEYS: ver, tok. ARGV: floor (unix ms of the caller's clock). Returns
    /// max(ver + 1, stored version + 1, floor) and stores it: the source never falls behind the stored
    /// token, and after FLUSHALL (INCR restarting at 1) it still exceeds every version handed out
    /// before, which were at most the unix ms of their own time.
    /// </summary>
    public const string NextVersion = """
        local next = redis.call('INCR', KEYS[1])
        local stored = tonumber(redis.call('HGET', KEYS[2], 'version') or '0')
        local floor = tonumber(ARGV[1])
        local raised = false
        if next <= stored then
          next = stored + 1
          raised = true
        end
        if next < floor then
          next = floor
          raised = true
        end
        if raised then redis.call('SET', KEYS[1], next) end
        return next
        """;

    /// <summary>
    /// Forced-refresh quota: check and record atomically. KEYS: quota hash. ARGV: day (yyyymmdd),
    /// now (unix ms), minimum interval (ms), daily budget, ttl (ms). Records one refresh and returns 1
    /// when fewer than budget were recorded that day and the last is at least the interval old; else 0.
    /// </summary>
    public const string TryRecordForcedRefresh = """
        local count = 0
        if redis.call('HGET', KEYS[1], 'day') == ARGV[1] then
          count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
        end
        local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '-1')
        local now = tonumber(ARGV[2])
        if count >= tonumber(ARGV[4]) then return 0 end
        if last >= 0 and now - last < tonumber(ARGV[3]) then return 0 end
        redis.call('HSET', KEYS[1], 'day', ARGV[1], 'count', count + 1, 'last', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """;

    /// <summary>
    /// Settles a recorded forced refresh. KEYS: quota hash. ARGV: recorded-at ms, ended-at ms, refund (1/0),
    /// day of the record. Only while the hash's last is still that record.
    /// </summary>
    public const string SettleForcedRefresh = """
        if tonumber(redis.call('HGET', KEYS[1], 'last') or '-1') ~= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 'last', ARGV[2])
        if ARGV[3] == '1' and redis.call('HGET', KEYS[1], 'day') == ARGV[4] then
          local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
          if count > 0 then redis.call('HSET', KEYS[1], 'count', count - 1) end
        end
        return 1
        """;
}
