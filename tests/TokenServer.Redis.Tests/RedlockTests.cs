using System.Diagnostics;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Storage.Redis;
using TokenServer.Redis.Tests.Infrastructure;

namespace TokenServer.Redis.Tests;

/// <summary>Redlock over three independent redis-server masters (each test owns its servers).</summary>
public sealed class RedlockTests : IAsyncLifetime
{
    private static readonly TokenSlotKey Key = TokenSlotKey.AccessToken("wx0000000000000003");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private readonly string _prefix = TestStores.UniquePrefix();
    private readonly List<Redlock> _locks = [];
    private RedisServer[] _masters = [];

    public async Task InitializeAsync() => _masters = await RedisServer.StartManyAsync(3);

    public async Task DisposeAsync()
    {
        foreach (var redlock in _locks)
        {
            await redlock.DisposeAsync();
        }

        foreach (var master in _masters)
        {
            await master.DisposeAsync();
        }
    }

    private string LockKey => (string)new RedisKeys(_prefix).Lock(Key)!;

    /// <summary>One Redlock client with its own connections: one replica.</summary>
    private async Task<Redlock> ReplicaAsync(Action<RedisOptions>? configure = null)
    {
        var redlock = TestStores.Lock(_masters, _prefix, configure);
        _locks.Add(redlock);
        await redlock.ConnectAsync();
        return redlock;
    }

    private Task<string[]> HoldersAsync() => Task.WhenAll(_masters.Where(m => m.IsRunning).Select(m => m.CommandAsync("GET", LockKey)));

    [Fact]
    public async Task Acquire_sets_the_lease_on_every_master_and_release_removes_it()
    {
        var redlock = await ReplicaAsync();

        var lease = await redlock.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default);

        Assert.NotNull(lease);
        Assert.Equal(Key, lease.Key);
        Assert.InRange(lease.RemainingValidity, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(52));
        var value = ((RedlockLease)lease).Value;
        Assert.All(await HoldersAsync(), holder => Assert.Equal(value, holder));

        await lease.DisposeAsync();

        Assert.All(await HoldersAsync(), holder => Assert.Equal("$-1", holder));
        Assert.Equal(TimeSpan.Zero, lease.RemainingValidity);
    }

    [Fact]
    public async Task A_held_lock_is_refused_to_another_replica_until_released()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();
        var lease = await first.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default);
        Assert.NotNull(lease);

        Assert.Null(await second.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), default));

        await lease.DisposeAsync();
        await using var next = await second.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), TimeSpan.Zero, default);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task A_waiting_replica_gets_the_lock_when_the_holder_releases_it()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();
        var lease = await first.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default);
        Assert.NotNull(lease);

        var waiting = second.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), default);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        await lease.DisposeAsync();

        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(next);
    }

    [Fact]
    public async Task The_lock_works_with_one_master_down()
    {
        var redlock = await ReplicaAsync();
        _masters[0].Kill();

        await using var lease = await redlock.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default);

        Assert.NotNull(lease);
        Assert.True(lease.RemainingValidity > TimeSpan.Zero);
        Assert.True(await lease.ExtendAsync(TimeSpan.FromSeconds(5), default));
    }

    [Fact]
    public async Task The_lock_is_refused_with_two_masters_down_and_leaves_nothing_behind()
    {
        var redlock = await ReplicaAsync();
        _masters[0].Kill();
        _masters[1].Kill();

        var lease = await redlock.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200), default);

        Assert.Null(lease);
        Assert.Equal(["$-1"], await HoldersAsync());
    }

    [Fact]
    public async Task An_acquisition_that_outlasts_its_lease_is_refused_and_released()
    {
        var redlock = await ReplicaAsync();
        redlock.BeforeValidityCheck = _ => Task.Delay(250); // a stall longer than the lease

        var lease = await redlock.TryAcquireAsync(Key, TimeSpan.FromMilliseconds(200), TimeSpan.Zero, default);

        Assert.Null(lease);
        Assert.All(await HoldersAsync(), holder => Assert.Equal("$-1", holder));
    }

    [Fact]
    public async Task Validity_takes_off_the_clock_drift()
    {
        var redlock = await ReplicaAsync(o => o.ClockDriftFactor = 0.1);

        await using var lease = await redlock.TryAcquireAsync(Key, TimeSpan.FromSeconds(1), Wait, default);

        Assert.NotNull(lease);
        Assert.True(lease.RemainingValidity <= TimeSpan.FromMilliseconds(1000 - 100 - 2));
    }

    [Fact]
    public async Task Extend_prolongs_a_held_lease()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();
        await using var lease = await first.TryAcquireAsync(Key, TimeSpan.FromMilliseconds(300), Wait, default);
        Assert.NotNull(lease);

        Assert.True(await lease.ExtendAsync(TimeSpan.FromSeconds(5), default));
        Assert.True(lease.RemainingValidity > TimeSpan.FromSeconds(4));
        await Task.Delay(400); // past the first lease

        Assert.Null(await second.TryAcquireAsync(Key, TimeSpan.FromSeconds(1), TimeSpan.Zero, default));
    }

    [Fact]
    public async Task Extend_fails_once_the_lease_lapsed_and_someone_else_holds_the_lock()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();
        var stale = await first.TryAcquireAsync(Key, TimeSpan.FromMilliseconds(100), Wait, default);
        Assert.NotNull(stale);
        await Task.Delay(200);
        await using var current = await second.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default);
        Assert.NotNull(current);

        Assert.False(await stale.ExtendAsync(TimeSpan.FromSeconds(5), default));

        var value = ((RedlockLease)current).Value;
        Assert.All(await HoldersAsync(), holder => Assert.Equal(value, holder));
    }

    [Fact]
    public async Task Extend_fails_after_the_lease_expired_with_no_new_holder()
    {
        var redlock = await ReplicaAsync();
        await using var lease = await redlock.TryAcquireAsync(Key, TimeSpan.FromMilliseconds(100), Wait, default);
        Assert.NotNull(lease);
        await Task.Delay(200);

        Assert.False(await lease.ExtendAsync(TimeSpan.FromSeconds(5), default));
    }

    [Fact]
    public async Task Release_of_a_lapsed_lease_does_not_delete_the_new_holders_lock()
    {
        var first = await ReplicaAsync();
        var second = await ReplicaAsync();
        var third = await ReplicaAsync();
        var stale = await first.TryAcquireAsync(Key, TimeSpan.FromMilliseconds(100), Wait, default);
        Assert.NotNull(stale);
        await Task.Delay(200);
        await using var current = await second.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default);
        Assert.NotNull(current);

        await stale.DisposeAsync();

        var value = ((RedlockLease)current).Value;
        Assert.All(await HoldersAsync(), holder => Assert.Equal(value, holder));
        Assert.Null(await third.TryAcquireAsync(Key, TimeSpan.FromSeconds(1), TimeSpan.Zero, default));
    }

    [Fact]
    public async Task Under_contention_the_lock_is_never_held_by_two_replicas_at_once()
    {
        const int contenders = 4;
        const int roundsEach = 15;
        var replicas = new Redlock[contenders];
        for (var i = 0; i < contenders; i++)
        {
            replicas[i] = await ReplicaAsync();
        }

        var holders = 0;
        var maxHolders = 0;
        var grants = 0;
        var windows = new List<(long From, long To, int Who)>();

        async Task ContendAsync(int who)
        {
            var random = new Random(who);
            for (var round = 0; round < roundsEach; round++)
            {
                await using var lease = await replicas[who].TryAcquireAsync(Key, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), default);
                Assert.NotNull(lease);
                var from = Stopwatch.GetTimestamp();
                var now = Interlocked.Increment(ref holders);
                InterlockedMax(ref maxHolders, now);
                await Task.Delay(random.Next(0, 4));
                Assert.True(lease.RemainingValidity > TimeSpan.Zero, "the holder outlived its validity");
                Interlocked.Decrement(ref holders);
                var to = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref grants);
                lock (windows)
                {
                    windows.Add((from, to, who));
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, contenders).Select(who => Task.Run(() => ContendAsync(who))));

        Assert.Equal(1, maxHolders);
        Assert.Equal(contenders * roundsEach, grants);
        var ordered = windows.OrderBy(w => w.From).ToArray();
        for (var i = 1; i < ordered.Length; i++)
        {
            Assert.True(ordered[i].From >= ordered[i - 1].To, $"holders {ordered[i - 1].Who} and {ordered[i].Who} overlapped");
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
