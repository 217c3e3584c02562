using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// The token store shared by all replicas, in Redis (key layout in <see cref="RedisKeys"/>).
/// Writes are compare-and-set by version in one Lua script that also publishes the change; every
/// Redis failure surfaces as <see cref="TokenStoreUnavailableException"/> and is logged at most once
/// per 30 seconds per kind.
/// </summary>
internal sealed partial class RedisTokenStore : ITokenStore
{
    /// <summary>How long a token key outlives its token (for status output and late readers).</summary>
    internal static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(1);

    private readonly RedisConnection _connection;
    private readonly RedisOptions _options;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly FailureLogThrottle _throttle;
    private readonly RedisWriteProbes _probes;
    private int _unavailable;

    public RedisTokenStore(RedisConnection connection, IOptions<RedisOptions> options, TimeProvider timeProvider, ILogger<RedisTokenStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _options = options.Value;
        _keys = new RedisKeys(_options.KeyPrefix);
        _probes = new RedisWriteProbes(_keys);
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _throttle = new FailureLogThrottle(TimeProvider.System); // log volume is a wall-clock matter
        RedisLog.StoreCreated(_logger, connection.Description, _options.KeyPrefix);

        // Listen from the start; a failure is logged and retried by RedisTokenStoreMonitor.
        _ = EnsureSubscribedAsync(CancellationToken.None).ContinueWith(
            static task => _ = task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    public string Name => "redis";

    public async Task<StoredToken?> GetAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        var tokenKey = _keys.Token(key);
        var entries = await RunAsync("HGETALL", db => db.HashGetAllAsync(tokenKey), cancellationToken).ConfigureAwait(false);
        var token = Parse(entries);
        if (token is not null)
        {
            Track(key, token.Version);
        }

        return token;
    }

    public Task<long> NextVersionAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [_keys.Version(key), _keys.Token(key)];
        RedisValue[] args = [_timeProvider.GetUtcNow().ToUnixTimeMilliseconds()];
        return RunAsync(
            "next version",
            async db => (long)await db.ScriptEvaluateAsync(RedisScripts.NextVersion, keys, args).ConfigureAwait(false),
            cancellationToken);
    }

    public async Task<bool> TryWriteAsync(TokenSlotKey key, StoredToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (string.IsNullOrEmpty(token.Value))
        {
            throw new ArgumentException("An empty token value is never stored.", nameof(token));
        }

        var remaining = token.ExpiresAt - _timeProvider.GetUtcNow();
        var ttl = (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) + ExpiryMargin;
        RedisKey[] keys = [_keys.Token(key), _keys.Version(key)];
        RedisValue[] args =
        [
            token.Value,
            token.ExpiresAt.ToUnixTimeMilliseconds(),
            token.ObtainedAt.ToUnixTimeMilliseconds(),
            token.Version,
            (long)ttl.TotalMilliseconds,
            (string)_keys.Events!,
            RedisKeys.EventMessage(key, token.Version),
        ];
        var written = await RunAsync(
            "write",
            async db => (long)await db.ScriptEvaluateAsync(RedisScripts.CompareAndSetToken, keys, args).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
        if (written)
        {
            // Announce locally at once; the pub/sub echo of this write is then recognised as known.
            Announce(key, token.Version);
        }

        return written;
    }

    public Task RemoveAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        var tokenKey = _keys.Token(key);
        _announced.TryRemove(key, out _);
        return RunAsync("DEL", db => db.KeyDeleteAsync(tokenKey), cancellationToken);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken) =>
        await CheckAsync(cancellationToken).ConfigureAwait(false) is null;

    /// <summary>
    /// Null when Redis answers a PING and accepts writes (short-lived probe keys on the master: one on a
    /// single Redis or Sentinel primary, one per master on a Redis Cluster, see <see cref="RedisWriteProbes"/>),
    /// otherwise the short reason (no address, key name or password). The writes catch what a PING does not:
    /// no master (a failover in progress, PING then answered by a replica), a read-only replica (READONLY),
    /// and on a cluster a failed master whose slots (and the tokens in them) cannot be written while the
    /// other masters still answer.
    /// </summary>
    internal async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync("PING", db => db.PingAsync(), cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            // The short reason: /readyz is unauthenticated; the full diagnostics were logged by RunAsync.
            return ex.Reason;
        }

        // PING answered, so the multiplexer exists.
        var (probes, unserved) = _probes.For(await _connection.GetAsync().ConfigureAwait(false));
        ProbedMasters = probes.Count;
        if (unserved > 0)
        {
            return $"Redis Cluster: {unserved} of {RedisWriteProbes.ClusterSlots} hash slots have no reachable master (writes to them fail)";
        }

        var value = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var results = await Task.WhenAll(probes.Select(probe => ProbeAsync(probe, value, cancellationToken))).ConfigureAwait(false);
        var failures = results.Where(r => r is not null).ToArray();
        if (failures.Length == 0)
        {
            return null;
        }

        return probes.Count == 1
            ? failures[0]
            : $"{failures[0]} (writes failed on {failures.Length} of {probes.Count} cluster masters)";
    }

    /// <summary>How many keys (one per cluster master, else one) the last readiness check wrote.</summary>
    internal int ProbedMasters { get; private set; } = 1;

    private async Task<string?> ProbeAsync(RedisKey probe, long value, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(
                "write probe",
                db => db.StringSetAsync(probe, value, TimeSpan.FromSeconds(30), When.Always, CommandFlags.DemandMaster),
                cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (TokenStoreUnavailableException ex)
        {
            return ex.Reason;
        }
    }

    internal RedisKeys Keys => _keys;

    private async Task<T> RunAsync<T>(string operation, Func<IDatabase, Task<T>> action, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await _connection.RunAsync(operation, action, _options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            Volatile.Write(ref _unavailable, 1);
            LogUnavailable(ex);
            throw;
        }

        if (Volatile.Read(ref _unavailable) == 1 && Interlocked.Exchange(ref _unavailable, 0) == 1)
        {
            // Answering again: writes made meanwhile (or a restart that lost data) need reconciling.
            RedisLog.StoreAvailableAgain(_logger);
            RaiseReconcileNeeded();
        }

        return result;
    }

    private void LogUnavailable(TokenStoreUnavailableException exception)
    {
        var kind = exception.InnerException?.GetType().Name ?? nameof(TokenStoreUnavailableException);
        if (_throttle.ShouldLog(kind, out var suppressed))
        {
            RedisLog.StoreUnavailable(_logger, exception.Message, suppressed);
        }
    }

    private static StoredToken? Parse(HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        var fields = entries.ToDictionary(e => (string)e.Name!, e => (string?)e.Value, StringComparer.Ordinal);
        if (!fields.TryGetValue("value", out var value) || string.IsNullOrEmpty(value)
            || !TryGetLong(fields, "expires_at", out var expiresAt)
            || !TryGetLong(fields, "obtained_at", out var obtainedAt)
            || !TryGetLong(fields, "version", out var version))
        {
            return null;
        }

        return new StoredToken(
            value,
            DateTimeOffset.FromUnixTimeMilliseconds(expiresAt),
            DateTimeOffset.FromUnixTimeMilliseconds(obtainedAt),
            version);
    }

    private static bool TryGetLong(Dictionary<string, string?> fields, string name, out long result)
    {
        result = 0;
        return fields.TryGetValue(name, out var text)
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result);
    }
}
