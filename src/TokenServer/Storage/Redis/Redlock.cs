using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// The Redlock algorithm (redis.io, "Distributed Locks with Redis") over N independent Redis
/// masters: a lease is held when <c>SET key owner NX PX lease</c> succeeded on a majority within a
/// time that leaves positive validity (lease − elapsed − drift). Leases are measured in real time
/// (<see cref="Stopwatch"/>), never with the injected <see cref="TimeProvider"/>: a fake clock that
/// speeds up token lifetimes must not make a lease look longer or shorter than Redis keeps it.
/// </summary>
internal sealed class Redlock : IDistributedLock, IAsyncDisposable
{
    private static readonly TimeSpan FixedDrift = TimeSpan.FromMilliseconds(2);

    private readonly RedisConnection[] _masters;
    private readonly RedisConnection[] _owned;
    private readonly RedisOptions _options;
    private readonly RedisKeys _keys;
    private readonly ILogger _logger;
    private readonly FailureLogThrottle _throttle = new(TimeProvider.System);

    /// <summary>
    /// Builds the lock over <see cref="RedisOptions.LockEndpoints"/>, or over the store's own
    /// connection when none are listed.
    /// </summary>
    public Redlock(RedisConnection storeConnection, IOptions<RedisOptions> options, ILogger<Redlock> logger)
        : this(CreateMasters(storeConnection, options?.Value ?? throw new ArgumentNullException(nameof(options)), out var owned), owned, options.Value, logger)
    {
    }

    internal Redlock(IReadOnlyList<RedisConnection> masters, IReadOnlyList<RedisConnection> owned, RedisOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(masters);
        ArgumentOutOfRangeException.ThrowIfZero(masters.Count);
        _masters = [.. masters];
        _owned = [.. owned];
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _keys = new RedisKeys(options.KeyPrefix);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        foreach (var master in _masters)
        {
            _ = master.GetAsync(); // start connecting now, so the first lock does not pay for it
        }

        RedisLog.LockCreated(_logger, _masters.Length, string.Join(" | ", _masters.Select(m => m.Description)), Quorum);
    }

    /// <summary>Masters that must agree: N/2 + 1.</summary>
    internal int Quorum => (_masters.Length / 2) + 1;

    internal IReadOnlyList<RedisConnection> Masters => _masters;

    /// <summary>
    /// Test hook, awaited after the masters answered and before the validity is computed: lets a
    /// test simulate a holder that stalls (GC pause, slow network) during acquisition.
    /// </summary>
    internal Func<CancellationToken, Task>? BeforeValidityCheck { get; set; }

    public async Task<ILockLease?> TryAcquireAsync(TokenSlotKey key, TimeSpan lease, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lease, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero);
        var lockKey = _keys.Lock(key);
        var owner = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
        var waitStart = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attemptStart = Stopwatch.GetTimestamp();
            var connectWait = Max(_options.LockRequestTimeout, wait - Stopwatch.GetElapsedTime(waitStart));
            try
            {
                var granted = await CountAsync(m => TrySetAsync(m, lockKey, owner, lease, connectWait)).ConfigureAwait(false);
                if (BeforeValidityCheck is { } hook)
                {
                    await hook(cancellationToken).ConfigureAwait(false);
                }

                var validity = Validity(lease, attemptStart);
                if (granted >= Quorum && validity > TimeSpan.Zero)
                {
                    return new RedlockLease(this, key, lockKey, owner, attemptStart, validity);
                }
            }
            catch (OperationCanceledException)
            {
                await ReleaseAsync(lockKey, owner).ConfigureAwait(false);
                throw;
            }

            await ReleaseAsync(lockKey, owner).ConfigureAwait(false);
            var left = wait - Stopwatch.GetElapsedTime(waitStart);
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            var delay = _options.LockRetryDelay * (0.5 + Random.Shared.NextDouble());
            await Task.Delay(delay < left ? delay : left, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every master's multiplexer exists (connected or not).</summary>
    internal Task ConnectAsync() => Task.WhenAll(_masters.Select(m => m.GetAsync()));

    /// <summary>Extends our lease on every master; the new validity when a quorum agreed, else null.</summary>
    internal async Task<TimeSpan?> ExtendAsync(RedisKey lockKey, string owner, TimeSpan lease, long start)
    {
        RedisValue[] args = [owner, (long)Math.Ceiling(lease.TotalMilliseconds)];
        var extended = await CountAsync(m => RunScriptAsync(m, RedisScripts.ExtendLock, lockKey, args)).ConfigureAwait(false);
        var validity = Validity(lease, start);
        return extended >= Quorum && validity > TimeSpan.Zero ? validity : null;
    }

    /// <summary>Deletes our lease on every master (compare-and-delete: never someone else's).</summary>
    internal Task ReleaseAsync(RedisKey lockKey, string owner) =>
        CountAsync(m => RunScriptAsync(m, RedisScripts.ReleaseLock, lockKey, [owner]));

    public async ValueTask DisposeAsync()
    {
        foreach (var master in _owned)
        {
            await master.DisposeAsync().ConfigureAwait(false);
        }
    }

    private TimeSpan Validity(TimeSpan lease, long start) =>
        lease - Stopwatch.GetElapsedTime(start) - ((lease * _options.ClockDriftFactor) + FixedDrift);

    private async Task<int> CountAsync(Func<RedisConnection, Task<bool>> action)
    {
        var results = await Task.WhenAll(_masters.Select(action)).ConfigureAwait(false);
        return results.Count(ok => ok);
    }

    private async Task<bool> TrySetAsync(RedisConnection master, RedisKey lockKey, string owner, TimeSpan lease, TimeSpan connectWait)
    {
        try
        {
            var multiplexer = await master.GetAsync().WaitAsync(connectWait).ConfigureAwait(false);
            return await multiplexer.GetDatabase()
                .StringSetAsync(lockKey, owner, lease, When.NotExists)
                .WaitAsync(_options.LockRequestTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsRedisFailure(ex))
        {
            LogFailure(master, "SET NX", ex);
            return false;
        }
    }

    private async Task<bool> RunScriptAsync(RedisConnection master, string script, RedisKey lockKey, RedisValue[] args)
    {
        try
        {
            var multiplexer = await master.GetAsync().WaitAsync(_options.LockRequestTimeout).ConfigureAwait(false);
            var result = await multiplexer.GetDatabase()
                .ScriptEvaluateAsync(script, [lockKey], args)
                .WaitAsync(_options.LockRequestTimeout).ConfigureAwait(false);
            return (long)result == 1;
        }
        catch (Exception ex) when (RedisConnection.IsRedisFailure(ex))
        {
            LogFailure(master, "script", ex);
            return false;
        }
    }

    private void LogFailure(RedisConnection master, string operation, Exception exception)
    {
        if (_throttle.ShouldLog(master.Description + "/" + exception.GetType().Name, out var suppressed))
        {
            RedisLog.LockMasterFailed(_logger, master.Describe(operation, exception), suppressed);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static RedisConnection[] CreateMasters(RedisConnection storeConnection, RedisOptions options, out RedisConnection[] owned)
    {
        ArgumentNullException.ThrowIfNull(storeConnection);
        if (options.LockEndpoints.Count == 0)
        {
            owned = [];
            return [storeConnection];
        }

        owned = [.. options.LockEndpoints.Select(endpoint => new RedisConnection(endpoint))];
        return owned;
    }
}
