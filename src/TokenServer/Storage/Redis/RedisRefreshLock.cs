using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RedLockNet;
using RedLockNet.SERedis;
using RedLockNet.SERedis.Configuration;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// The refresh lock across replicas: RedLock.net over <see cref="RedisOptions.LockEndpoints"/> (or the
/// store's own multiplexer when none are listed). RedLock.net extends a held lock every half lease
/// while it is held; <see cref="RedisRefreshLease"/> turns that into a conservative remaining validity
/// and a <see cref="ILockLease.Lost"/> signal. Leases are real time (<see cref="Stopwatch"/>), never the
/// injected <see cref="TimeProvider"/>: Redis expires lock keys in real time.
/// </summary>
internal sealed class RedisRefreshLock : IRefreshLockBackend, IAsyncDisposable
{
    /// <summary>RedLock.net's clock drift factor and padding (fixed in the library).</summary>
    internal const double ClockDriftFactor = 0.01;

    internal static readonly TimeSpan ClockPadding = TimeSpan.FromMilliseconds(2);

    private readonly RedisConnection[] _masters;
    private readonly RedisConnection[] _owned;
    private readonly RedisOptions _options;
    private readonly RedisKeys _keys;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SemaphoreSlim _factoryGate = new(1, 1);
    private RedLockFactory? _factory;

    public RedisRefreshLock(RedisConnection storeConnection, IOptions<RedisOptions> options, ILoggerFactory loggerFactory)
        : this(CreateMasters(storeConnection, options?.Value ?? throw new ArgumentNullException(nameof(options)), out var owned), owned, options.Value, loggerFactory)
    {
    }

    internal RedisRefreshLock(IReadOnlyList<RedisConnection> masters, IReadOnlyList<RedisConnection> owned, RedisOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(masters);
        ArgumentOutOfRangeException.ThrowIfZero(masters.Count);
        _masters = [.. masters];
        _owned = [.. owned];
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _keys = new RedisKeys(options.KeyPrefix);
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        var logger = loggerFactory.CreateLogger<RedisRefreshLock>();
        foreach (var master in _masters)
        {
            _ = master.GetAsync(); // start connecting now, so the first lock does not pay for it
        }

        var endpoints = string.Join(" | ", _masters.Select(m => m.Description));
        RedisLog.LockCreated(logger, _masters.Length, endpoints, Quorum);
        if (_masters.Length == 1 && options.LockEndpoints.Count == 0)
        {
            RedisLog.SingleLockMaster(logger, endpoints);
        }
        else if (_masters.Length % 2 == 0 || _masters.Length < 3)
        {
            RedisLog.LockMastersNotOdd(logger, _masters.Length);
        }
    }

    /// <summary>Masters that must agree: N/2 + 1.</summary>
    internal int Quorum => (_masters.Length / 2) + 1;

    internal IReadOnlyList<RedisConnection> Masters => _masters;

    public async Task<ILockLease?> TryAcquireAsync(TokenSlotKey key, TimeSpan lease, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lease, TimeSpan.FromMilliseconds(10));
        ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero);
        var resource = (string)_keys.Lock(key)!;
        var waitStart = Stopwatch.GetTimestamp();
        var factory = await GetFactoryAsync(wait, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attemptStart = Stopwatch.GetTimestamp();
            var redLock = await factory.CreateLockAsync(resource, lease).ConfigureAwait(false);
            if (redLock.IsAcquired)
            {
                return new RedisRefreshLease(redLock, key, attemptStart, lease);
            }

            var status = redLock.Status;
            var summary = redLock.InstanceSummary;
            await redLock.DisposeAsync().ConfigureAwait(false);
            var left = wait - Stopwatch.GetElapsedTime(waitStart);
            if (left <= TimeSpan.Zero)
            {
                if (status != RedLockStatus.Conflicted && summary.Error > 0)
                {
                    // Not "held elsewhere": the lock masters did not answer. Name the store.
                    throw new TokenStoreUnavailableException(
                        $"Redis refresh lock failed ({string.Join(" | ", _masters.Select(m => m.Description))}): {status}, " +
                        $"{summary.Acquired} acquired, {summary.Conflicted} held elsewhere, {summary.Error} unreachable; quorum {Quorum}")
                    {
                        Reason = $"the Redis refresh lock masters did not answer ({summary.Error} of {summary.Error + summary.Acquired + summary.Conflicted} unreachable)",
                    };
                }

                return null;
            }

            var delay = _options.LockRetryDelay * (0.5 + Random.Shared.NextDouble());
            await Task.Delay(delay < left ? delay : left, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every master's multiplexer exists (connected or not).</summary>
    internal Task ConnectAsync() => Task.WhenAll(_masters.Select(m => m.GetAsync()));

    public async ValueTask DisposeAsync()
    {
        _factory?.Dispose(); // the multiplexers are ours (RedisConnection), not the factory's
        foreach (var master in _owned)
        {
            await master.DisposeAsync().ConfigureAwait(false);
        }

        _factoryGate.Dispose();
    }

    private async Task<RedLockFactory> GetFactoryAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _factory) is { } ready)
        {
            return ready;
        }

        await _factoryGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_factory is null)
            {
                // With abortConnect=false a multiplexer exists (and reconnects) even while its server is down.
                var multiplexers = await Task.WhenAll(_masters.Select(m => m.GetAsync()))
                    .WaitAsync(wait + _options.OperationTimeout, cancellationToken).ConfigureAwait(false);
                var redLockMultiplexers = multiplexers
                    .Select(m => new RedLockMultiplexer(m) { RedisKeyFormat = "{0}" })
                    .ToList();
                // One quorum attempt per CreateLockAsync: the wait loop above retries with its own delay.
                Volatile.Write(ref _factory, RedLockFactory.Create(redLockMultiplexers, new RedLockRetryConfiguration(retryCount: 1), _loggerFactory));
            }

            return _factory!;
        }
        catch (TimeoutException ex)
        {
            throw new TokenStoreUnavailableException($"Redis refresh lock masters did not connect in time ({string.Join(" | ", _masters.Select(m => m.Description))})", ex) { Reason = "the Redis refresh lock masters did not connect in time" };
        }
        finally
        {
            _factoryGate.Release();
        }
    }

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

/// <summary>
/// A held RedLock.net lock. RedLock.net starts a timer at acquisition that extends the lease every
/// half lease; the k-th successful extension was sent no earlier than k half-leases after this
/// attempt started, so the lease lasts at least until <c>start + k × lease/2 + lease − drift</c>.
/// A watchdog cancels <see cref="Lost"/> as soon as that bound passes or RedLock.net reports a failed
/// extension (status no longer Acquired).
/// </summary>
internal sealed class RedisRefreshLease : ILockLease
{
    private readonly IRedLock _lock;
    private readonly long _start;
    private readonly TimeSpan _lease;
    private readonly TimeSpan _drift;
    private readonly CancellationTokenSource _lost = new();
    private readonly ITimer _watchdog;
    private int _released;

    public RedisRefreshLease(IRedLock redLock, TokenSlotKey key, long start, TimeSpan lease)
    {
        _lock = redLock;
        Key = key;
        _start = start;
        _lease = lease;
        _drift = (lease * RedisRefreshLock.ClockDriftFactor) + RedisRefreshLock.ClockPadding;
        var period = lease / 20 > TimeSpan.FromMilliseconds(5) ? lease / 20 : TimeSpan.FromMilliseconds(5);
        _watchdog = TimeProvider.System.CreateTimer(static state => ((RedisRefreshLease)state!).Check(), this, period, period);
    }

    public TokenSlotKey Key { get; }

    public TimeSpan RemainingValidity
    {
        get
        {
            if (Volatile.Read(ref _released) != 0 || !_lock.IsAcquired)
            {
                return TimeSpan.Zero;
            }

            var validUntil = (_lease / 2 * _lock.ExtendCount) + _lease - _drift;
            var left = validUntil - Stopwatch.GetElapsedTime(_start);
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    public bool IsLost
    {
        get
        {
            Check();
            return _lost.IsCancellationRequested;
        }
    }

    public CancellationToken Lost => _lost.Token;

    /// <summary>How many times RedLock.net extended the lease (tests and diagnostics).</summary>
    internal int ExtendCount => _lock.ExtendCount;

    /// <summary>RedLock.net's lock id (the value of the lock key).</summary>
    internal string LockId => _lock.LockId;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        await _watchdog.DisposeAsync().ConfigureAwait(false);
        await _lock.DisposeAsync().ConfigureAwait(false);
        // _lost is not disposed: a racing IsLost/Check may still read it; it holds no timer.
    }

    private void Check()
    {
        if (Volatile.Read(ref _released) == 0 && !_lost.IsCancellationRequested && RemainingValidity <= TimeSpan.Zero)
        {
            try
            {
                _lost.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Released meanwhile.
            }
        }
    }
}
