namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// Options of the Redis token store and of the refresh lock, bound from the <c>Redis</c> section.
/// Redis is used only when <see cref="Configuration"/> is set; otherwise the embedded in-memory
/// store and in-process lock serve a single replica.
/// </summary>
public sealed class RedisOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Redis";

    /// <summary>
    /// StackExchange.Redis configuration string of the token store, e.g. <c>127.0.0.1:6379</c> or
    /// <c>redis.internal:6379,password=…,ssl=true</c>. Empty (the default) means Redis is not used.
    /// <c>abortConnect</c> is always forced to false so the server starts while Redis is down.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Configuration strings of the independent Redis masters the refresh lock (RedLock.net) runs over
    /// (one entry per master; use an odd number, 3 or 5, of servers that are not replicas of each
    /// other). Default: empty, meaning the store's <see cref="Configuration"/> is the single lock
    /// master (a startup warning says that this is not failover-safe).
    /// </summary>
    public IList<string> LockEndpoints { get; } = [];

    /// <summary>Prefix of every key and channel (default <c>tc</c>). No braces, no whitespace.</summary>
    public string KeyPrefix { get; set; } = "tc";

    /// <summary>
    /// How often the store re-reads the versions of the tokens it knows, raising TokenChanged for
    /// any it missed (lost pub/sub messages, reconnects). Default 5 seconds.
    /// </summary>
    public TimeSpan EventsCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most keys one version check re-reads (default 5,000). A store that knows more takes the next batch at each
    /// check, so a full round over N keys takes ceil(N / batch) intervals: 100,000 authorizer tokens in 20 checks of
    /// 5 s, 100 s, well inside the 5 minutes WeChat keeps a replaced token valid. Without the bound, each check re-read
    /// every key: 20,000 Redis reads a second per replica at 100,000 keys.
    /// </summary>
    public int EventsCheckBatch { get; set; } = 5_000;

    /// <summary>
    /// Time limit of one store operation; beyond it the store reports itself unavailable.
    /// Default 2 seconds.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Mean delay between two attempts to take a contended lock; each delay is drawn uniformly from
    /// half to one and a half times this value. Default 100 ms.
    /// </summary>
    public TimeSpan LockRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether Redis is configured at all.</summary>
    public bool IsEnabled => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>The lock masters' configuration strings (the store's when none are listed).</summary>
    internal IReadOnlyList<string> EffectiveLockEndpoints =>
        LockEndpoints.Count > 0 ? [.. LockEndpoints] : [Configuration ?? string.Empty];
}
