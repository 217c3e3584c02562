using System.Diagnostics;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Storage;
using TokenCenter.Server.Storage.Redis;
using TokenServer.Redis.Tests.Infrastructure;

namespace TokenServer.Redis.Tests;

/// <summary>
/// The refresh lock (RedLock.net) as the engine uses it, over three independent redis-server masters
/// (each test owns its servers): mutual exclusion, extension while held, loss detection, failures
/// that name the store, and take-over after a holder died.
/// </summary>
public sealed class RefreshLockTests : IAsyncLifetime
{
    private static readonly TokenSlotKey Key = TokenSlotKey.AccessToken("wx0000000000000003");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private readonly string _prefix = TestStores.UniquePrefix();
    private readonly List<RedisRefreshLock> _locks = [];
    private RedisServer[] _masters = [];

    public async Task InitializeAsync() => _masters = await RedisFixture.StartKillableAsync(3);

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

    /// <summary>One lock client with its own connections: one replica.</summary>
    private RedisRefreshLock Replica()
    {
        var redlock = TestStores.Lock(_masters.Select(m => m.Configuration), _prefix);
        _locks.Add(redlock);
        return redlock;
    }

    private Task<string[]> HoldersAsync() => Task.WhenAll(_masters.Where(m => m.IsRunning).Select(m => m.CommandAsync("GET", LockKey)));

    [Fact]
    public async Task Acquire_sets_the_lock_key_on_every_master_and_release_removes_it()
    {
        var lease = await Replica().TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default);
        Assert.NotNull(lease);
        var holders = await HoldersAsync();
        Assert.Equal(3, holders.Length);
        Assert.Single(holders.Distinct());
        Assert.Equal(((RedisRefreshLease)lease).LockId, holders[0]);
        Assert.InRange(lease.RemainingValidity, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));
        Assert.False(lease.IsLost);

        await lease.DisposeAsync();
        Assert.All(await HoldersAsync(), value => Assert.Equal("$-1", value));
        Assert.Equal(TimeSpan.Zero, lease.RemainingValidity);
    }

    [Fact]
    public async Task A_held_lock_is_refused_to_another_replica_until_released()
    {
        var first = Replica();
        var second = Replica();
        var lease = await first.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default);
        Assert.NotNull(lease);

        Assert.Null(await second.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200), default));
        var waiting = second.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), default);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        await lease.DisposeAsync();
        await using var next = await waiting;
        Assert.NotNull(next);
    }

    [Fact]
    public async Task The_lease_is_extended_while_held_so_a_holder_outlives_its_lease_and_keeps_the_lock()
    {
        // A 3 s lease (production: 15 s) extended every half lease: an extension more than 1.5 s late loses it. A
        // sub-second lease was lost on a 2-core machine at load 130 (an extension ran ~1 s late): real-time leases need
        // slack the way WeChat's network does, and 1.5 s of it still proves the holder outlives four leases.
        var lease = TimeSpan.FromSeconds(3);
        await using var held = await Replica().TryAcquireAsync(Key, lease, Wait, default);
        Assert.NotNull(held);
        var other = Replica();

        // Hold for four leases: RedLock.net extends every half lease.
        var started = Stopwatch.StartNew();
        while (started.Elapsed < lease * 4)
        {
            Assert.Null(await other.TryAcquireAsync(Key, lease, TimeSpan.Zero, default));
            Assert.False(held.IsLost, $"lost after {started.ElapsedMilliseconds} ms, extended {((RedisRefreshLease)held).ExtendCount} times; pool {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} queued");
            Assert.True(held.RemainingValidity > TimeSpan.Zero);
            await Task.Delay(50);
        }

        Assert.True(((RedisRefreshLease)held).ExtendCount >= 5, $"extended {((RedisRefreshLease)held).ExtendCount} times");
        Assert.All(await HoldersAsync(), value => Assert.Equal(((RedisRefreshLease)held).LockId, value));
    }

    [Fact]
    public async Task A_holder_whose_lock_key_was_taken_over_is_lost_and_its_token_is_cancelled()
    {
        var lease = TimeSpan.FromMilliseconds(400);
        await using var held = await Replica().TryAcquireAsync(Key, lease, Wait, default);
        Assert.NotNull(held);
        var lost = new TaskCompletionSource();
        held.Lost.Register(() => lost.TrySetResult());

        // The keys vanish (expired during a pause, a failover to a replica that never saw them) and
        // another replica takes the lock: the next extension is refused.
        foreach (var master in _masters)
        {
            await master.CommandAsync("DEL", LockKey);
        }

        await using var thief = await Replica().TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default);
        Assert.NotNull(thief);

        await lost.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(held.IsLost);
        Assert.Equal(TimeSpan.Zero, held.RemainingValidity);
        Assert.False(thief.IsLost);
    }

    [Fact]
    public async Task One_master_down_of_three_still_grants_the_lock_two_down_is_a_store_failure_not_held_elsewhere()
    {
        var redlock = Replica();
        _masters[0].Kill();
        await using (var lease = await redlock.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), Wait, default))
        {
            Assert.NotNull(lease);
        }

        _masters[1].Kill();
        var failure = await Assert.ThrowsAsync<TokenStoreUnavailableException>(
            () => redlock.TryAcquireAsync(Key, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(300), default));
        Assert.Contains("Redis refresh lock", failure.Message, StringComparison.Ordinal);
        Assert.Contains(_masters[1].Endpoint, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_holder_dies_without_releasing_another_replica_takes_over_within_one_lease()
    {
        var lease = TimeSpan.FromSeconds(1);
        var doomed = TestStores.Lock(_masters.Select(m => m.Configuration), _prefix);
        var held = await doomed.TryAcquireAsync(Key, lease, Wait, default);
        Assert.NotNull(held);
        var survivor = Replica();

        // The holder's process dies: its connections close, nothing is released, nothing extended.
        await doomed.DisposeAsync();
        await using var taken = await survivor.TryAcquireAsync(Key, lease, lease * 3, default);

        // Taken at all proves the dead holder's keys expired (nothing released them) within the survivor's wait of three
        // leases; how soon is a figure for the benchmarks, not a timed assertion (one ran late at load 130).
        Assert.NotNull(taken);
    }

    [Fact]
    public async Task Under_contention_the_lock_is_never_held_by_two_replicas_at_once()
    {
        const int contenders = 4;
        const int roundsEach = 10;
        var replicas = Enumerable.Range(0, contenders).Select(_ => Replica()).ToArray();
        var holders = 0;
        var maxHolders = 0;
        var grants = 0;

        async Task ContendAsync(int who)
        {
            var random = new Random(who);
            for (var round = 0; round < roundsEach; round++)
            {
                await using var lease = await replicas[who].TryAcquireAsync(Key, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20), default);
                Assert.NotNull(lease);
                var now = Interlocked.Increment(ref holders);
                InterlockedMax(ref maxHolders, now);
                await Task.Delay(random.Next(0, 4));
                Assert.False(lease.IsLost, "the holder lost its lease while holding it");
                Interlocked.Decrement(ref holders);
                Interlocked.Increment(ref grants);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, contenders).Select(who => Task.Run(() => ContendAsync(who))));

        Assert.Equal(1, maxHolders);
        Assert.Equal(contenders * roundsEach, grants);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
