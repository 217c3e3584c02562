using TokenCenter.Server.Engine;
using TokenServer.Redis.Tests.Infrastructure;
using WeChatSimulator;

namespace TokenServer.Redis.Tests;

/// <summary>Store behaviour when Redis dies, restarts or loses its data (each test owns its server).</summary>
public sealed class RedisTokenStoreFaultTests : IAsyncLifetime
{
    private static readonly TokenSlotKey Key = TokenSlotKey.AccessToken("wx0000000000000002");
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisFixture.StartKillableAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static StoredToken Token(string value, long version) => new(value, Start + TimeSpan.FromHours(2), Start, version);

    [Fact]
    public async Task A_store_on_a_read_only_replica_answers_reads_but_is_not_ready_and_says_writes_fail()
    {
        await using var primary = await RedisFixture.StartKillableAsync();
        Assert.Equal("+OK", await _server.CommandAsync("REPLICAOF", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await using var replica = TestStores.Store(TestStores.Options(_server.Configuration), new ManualClock(Start));

        Assert.Null(await replica.Store.GetAsync(Key, default)); // reads work
        var reason = await replica.Store.CheckAsync(default);

        Assert.NotNull(reason);
        Assert.Contains("write probe", reason, StringComparison.Ordinal);
        // SE.Redis knows the node is a replica and refuses the write itself; a node it still takes
        // for a master would answer READONLY, which fails the probe the same way.
        Assert.True(reason.Contains("requires writable", StringComparison.Ordinal) || reason.Contains("READONLY", StringComparison.Ordinal), reason);
        Assert.False(await replica.Store.PingAsync(default));
    }

    [Fact]
    public async Task Get_after_redis_is_killed_throws_store_unavailable_and_recovers_after_restart()
    {
        await using var replica = TestStores.Store(TestStores.Options(_server.Configuration), new ManualClock(Start));
        Assert.True(await replica.Store.TryWriteAsync(Key, Token("T", 1), default));

        _server.Kill();
        var failure = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => replica.Store.GetAsync(Key, default));
        Assert.Contains("Redis", failure.Message, StringComparison.Ordinal);
        Assert.False(await replica.Store.PingAsync(default));

        await _server.RestartAsync();
        await Eventually.TrueAsync(() => replica.Store.PingAsync(default));
        Assert.Null(await replica.Store.GetAsync(Key, default)); // nothing persisted
        Assert.True(await replica.Store.TryWriteAsync(Key, Token("T2", 2), default));
    }

    [Fact]
    public async Task Writes_and_versions_fail_with_store_unavailable_while_redis_is_down()
    {
        await using var replica = TestStores.Store(TestStores.Options(_server.Configuration), new ManualClock(Start));
        Assert.True(await replica.Store.PingAsync(default));

        _server.Kill();

        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => replica.Store.TryWriteAsync(Key, Token("T", 1), default));
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => replica.Store.NextVersionAsync(Key, default));
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => replica.Store.RemoveAsync(Key, default));
    }

    [Fact]
    public async Task A_store_created_while_redis_is_down_works_once_redis_is_up()
    {
        _server.Kill();
        await using var replica = TestStores.Store(TestStores.Options(_server.Configuration), new ManualClock(Start));
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => replica.Store.GetAsync(Key, default));

        await _server.RestartAsync();

        await Eventually.TrueAsync(() => replica.Store.PingAsync(default));
        Assert.True(await replica.Store.TryWriteAsync(Key, Token("T", 1), default));
    }

    [Fact]
    public async Task Unavailable_message_never_contains_the_password()
    {
        await _server.CommandAsync("CONFIG", "SET", "requirepass", "s3cret-pass");
        var options = TestStores.Options(_server.Configuration + ",password=s3cret-pass");
        await using var replica = TestStores.Store(options, new ManualClock(Start));
        Assert.True(await replica.Store.PingAsync(default));

        _server.Kill();
        var failure = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => replica.Store.GetAsync(Key, default));

        Assert.DoesNotContain("s3cret-pass", failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pass", replica.Connection.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Next_version_stays_above_the_stored_version_after_flushall()
    {
        await using var replica = TestStores.Store(TestStores.Options(_server.Configuration), new ManualClock(Start));
        for (var i = 0; i < 5; i++)
        {
            await replica.Store.NextVersionAsync(Key, default);
        }

        Assert.True(await replica.Store.TryWriteAsync(Key, Token("T5", 5), default));

        Assert.Equal("+OK", await _server.CommandAsync("FLUSHALL"));
        // A replica reconciling after the loss writes its in-memory token (version 5) back.
        Assert.True(await replica.Store.TryWriteAsync(Key, Token("T5", 5), default));

        var next = await replica.Store.NextVersionAsync(Key, default);
        Assert.True(next > 5);
        Assert.Equal(next + 1, await replica.Store.NextVersionAsync(Key, default));
    }

    [Fact]
    public async Task Next_version_after_flushall_exceeds_every_version_handed_out_before_it()
    {
        var clock = new ManualClock(Start);
        await using var replica = TestStores.Store(TestStores.Options(_server.Configuration), clock);
        var before = await replica.Store.NextVersionAsync(Key, default);
        before = await replica.Store.NextVersionAsync(Key, default);
        Assert.True(await replica.Store.TryWriteAsync(Key, Token("T", before), default));
        clock.Advance(TimeSpan.FromSeconds(1)); // a flush is noticed well after the last version was handed out

        Assert.Equal("+OK", await _server.CommandAsync("FLUSHALL"));

        // INCR restarts at 1, but the version floor (unix ms of the clock) keeps versions growing, so
        // replicas holding the old token adopt the next one instead of ignoring a "lower" version.
        var after = await replica.Store.NextVersionAsync(Key, default);
        Assert.True(after > before, $"version {after} after FLUSHALL is not above {before}");
        Assert.True(after >= clock.GetUtcNow().ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Pub_sub_resumes_after_a_redis_restart_and_the_version_check_fills_the_gap()
    {
        var options = TestStores.Options(_server.Configuration);
        await using var writer = TestStores.Store(options, new ManualClock(Start));
        await using var reader = TestStores.Store(options, new ManualClock(Start));
        await reader.Store.EnsureSubscribedAsync(default);
        var events = new System.Collections.Concurrent.ConcurrentQueue<long>();
        reader.Store.TokenChanged += (_, version) => events.Enqueue(version);
        await writer.Store.TryWriteAsync(Key, Token("T1", 1), default);
        await Eventually.TrueAsync(() => Task.FromResult(events.Contains(1)));

        await _server.RestartAsync();
        await Eventually.TrueAsync(() => reader.Store.PingAsync(default));
        await Eventually.TrueAsync(() => writer.Store.PingAsync(default));

        // Written right after the restart: the message may race the re-subscription...
        await writer.Store.TryWriteAsync(Key, Token("T2", 2), default);
        // ...and the periodic version check repairs that.
        await Eventually.TrueAsync(async () => events.Contains(2) || await reader.Store.CheckVersionsAsync(default) > 0);
        Assert.Contains(2L, events);

        // Once re-subscribed, messages flow again.
        await Eventually.TrueAsync(async () =>
        {
            var version = (await writer.Store.NextVersionAsync(Key, default)) + 10;
            await writer.Store.TryWriteAsync(Key, Token("T", version), default);
            await Task.Delay(50);
            return events.Contains(version);
        });
    }}
