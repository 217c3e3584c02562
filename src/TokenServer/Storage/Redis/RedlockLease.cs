using System.Diagnostics;
using StackExchange.Redis;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>A Redlock lease; validity counted in real time from the start of the winning attempt.</summary>
internal sealed class RedlockLease : ILockLease
{
    private readonly Redlock _owner;
    private readonly RedisKey _lockKey;
    private readonly string _value;
    private long _validUntil;
    private int _released;

    public RedlockLease(Redlock owner, TokenSlotKey key, RedisKey lockKey, string value, long start, TimeSpan validity)
    {
        _owner = owner;
        Key = key;
        _lockKey = lockKey;
        _value = value;
        _validUntil = start + ToTicks(validity);
    }

    public TokenSlotKey Key { get; }

    public TimeSpan RemainingValidity
    {
        get
        {
            var left = Volatile.Read(ref _validUntil) - Stopwatch.GetTimestamp();
            return left > 0 && Volatile.Read(ref _released) == 0 ? Stopwatch.GetElapsedTime(0, left) : TimeSpan.Zero;
        }
    }

    /// <summary>The random value proving ownership (tests only).</summary>
    internal string Value => _value;

    public async Task<bool> ExtendAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lease, TimeSpan.FromMilliseconds(1));
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _released) != 0)
        {
            return false;
        }

        var start = Stopwatch.GetTimestamp();
        var validity = await _owner.ExtendAsync(_lockKey, _value, lease, start).ConfigureAwait(false);
        if (validity is null)
        {
            // Not extended on a majority: the keys that were not extended still expire as before,
            // so the validity already known stays a safe bound.
            return false;
        }

        Volatile.Write(ref _validUntil, start + ToTicks(validity.Value));
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            await _owner.ReleaseAsync(_lockKey, _value).ConfigureAwait(false);
        }
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
