using TokenCenter.Server.Engine;
using TokenCenter.Server.Storage.Redis;
using TokenCenter.V1;
using TokenServer.Redis.Tests.Infrastructure;
using WeChatSimulator;

namespace TokenServer.Redis.Tests;

[Collection(SharedRedisCollection.Name)]
public sealed class RedisTokenStoreTests(SharedRedisFixture redis)
{
    private static readonly TokenSlotKey Key = TokenSlotKey.AccessToken("wx0000000000000001");
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static StoredToken Token(string value, long version, TimeSpan? lifetime = null) =>
        new(value, Start + (lifetime ?? TimeSpan.FromHours(2)), Start, version);

    [Fact]
    public async Task Get_returns_null_when_nothing_is_stored()
    {
        await using var replica = TestStores.Store(TestStores.Options(redis.Configuration), new ManualClock(Start));

        Assert.Null(await replica.Store.GetAsync(Key, default));
    }

    [Fact]
    public async Task Write_then_get_round_trips_every_field()
    {
        await using var replica = TestStores.Store(TestStores.Options(redis.Configuration), new ManualClock(Start));
        var token = Token("ACCESS-1", 3);

        Assert.True(await replica.Store.TryWriteAsync(Key, token, default));

        Assert.Equal(token, await replica.Store.GetAsync(Key, default));
        Assert.Equal("redis", replica.Store.Name);
    }

    [Fact]
    public async Task Write_accepts_only_a_newer_version()
    {
        await using var replica = TestStores.Store(TestStores.Options(redis.Configuration), new ManualClock(Start));
        var store = replica.Store;
        Assert.True(await store.TryWriteAsync(Key, Token("V5", 5), default));

        Assert.False(await store.TryWriteAsync(Key, Token("V4", 4), default));
        Assert.False(await store.TryWriteAsync(Key, Token("V5-again", 5), default));
        Assert.Equal("V5", (await store.GetAsync(Key, default))!.Value);

        Assert.True(await store.TryWriteAsync(Key, Token("V6", 6), default));
        Assert.Equal(6, (await store.GetAsync(Key, default))!.Version);
    }

    [Fact]
    public async Task Write_refuses_an_empty_value_without_calling_redis()
    {
        var options = TestStores.Options("127.0.0.1:1,connectTimeout=100");
        await using var replica = TestStores.Store(options, new ManualClock(Start));

        await Assert.ThrowsAsync<ArgumentException>(() => replica.Store.TryWriteAsync(Key, Token(string.Empty, 1), default));
    }

    [Fact]
    public async Task Write_sets_the_key_ttl_to_the_remaining_lifetime_plus_a_margin()
    {
        var options = TestStores.Options(redis.Configuration);
        var clock = new ManualClock(Start + TimeSpan.FromMinutes(30));
        await using var replica = TestStores.Store(options, clock);

        await replica.Store.TryWriteAsync(Key, Token("T", 1, TimeSpan.FromHours(2)), default);

        var expected = TimeSpan.FromMinutes(90) + RedisTokenStore.ExpiryMargin;
        var multiplexer = await replica.Connection.GetAsync();
        var ttl = await multiplexer.GetDatabase().KeyTimeToLiveAsync(replica.Store.Keys.Token(Key));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, expected - TimeSpan.FromSeconds(5), expected);
    }

    [Fact]
    public void Keys_share_one_hash_tag_per_token()
    {
        var keys = new RedisKeys("tc");
        var key = new TokenSlotKey(TokenKind.AuthorizerAccessToken, "wxcomponent", "wxapp");

        Assert.Equal("tc:tok:{authorizer_access_token:wxcomponent:wxapp}", (string?)keys.Token(key));
        Assert.Equal("tc:ver:{authorizer_access_token:wxcomponent:wxapp}", (string?)keys.Version(key));
        Assert.Equal("tc:lock:{authorizer_access_token:wxcomponent:wxapp}", (string?)keys.Lock(key));
        Assert.Throws<ArgumentException>(() => keys.Token(TokenSlotKey.AccessToken("wx}x")));
    }

    [Fact]
    public async Task Next_version_grows()
    {
        await using var replica = TestStores.Store(TestStores.Options(redis.Configuration));

        var first = await replica.Store.NextVersionAsync(Key, default);
        var second = await replica.Store.NextVersionAsync(Key, default);

        Assert.True(second > first);
    }

    [Fact]
    public async Task Next_version_stays_above_a_version_written_by_someone_else()
    {
        await using var replica = TestStores.Store(TestStores.Options(redis.Configuration), new ManualClock(Start));
        var high = Start.ToUnixTimeMilliseconds() + 1000; // above the clock's version floor
        Assert.True(await replica.Store.TryWriteAsync(Key, Token("T", high), default));

        Assert.Equal(high + 1, await replica.Store.NextVersionAsync(Key, default));
    }

    [Fact]
    public async Task Token_changed_reaches_another_replica_through_pub_sub()
    {
        var options = TestStores.Options(redis.Configuration);
        await using var writer = TestStores.Store(options, new ManualClock(Start));
        await using var reader = TestStores.Store(options, new ManualClock(Start));
        await reader.Store.EnsureSubscribedAsync(default);
        var received = new TaskCompletionSource<(TokenSlotKey, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.Store.TokenChanged += (key, version) => received.TrySetResult((key, version));

        await writer.Store.TryWriteAsync(Key, Token("T", 7), default);

        Assert.Equal((Key, 7L), await received.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Token_changed_is_raised_once_for_the_writers_own_write()
    {
        var options = TestStores.Options(redis.Configuration);
        await using var replica = TestStores.Store(options, new ManualClock(Start));
        await replica.Store.EnsureSubscribedAsync(default);
        var events = new List<long>();
        replica.Store.TokenChanged += (_, version) => { lock (events) { events.Add(version); } };

        await replica.Store.TryWriteAsync(Key, Token("T", 1), default);
        // A second write's echo arriving proves the first one's echo has been delivered too.
        await using var other = TestStores.Store(options, new ManualClock(Start));
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        replica.Store.TokenChanged += (_, version) => { if (version == 2) { seen.TrySetResult(); } };
        await other.Store.TryWriteAsync(Key, Token("T2", 2), default);
        await seen.Task.WaitAsync(TimeSpan.FromSeconds(5));

        lock (events)
        {
            Assert.Equal([1L, 2L], events);
        }
    }

    [Fact]
    public async Task Version_check_raises_token_changed_for_a_missed_message()
    {
        var options = TestStores.Options(redis.Configuration);
        await using var writer = TestStores.Store(options, new ManualClock(Start));
        await using var reader = TestStores.Store(options, new ManualClock(Start));
        await writer.Store.TryWriteAsync(Key, Token("T1", 1), default);
        Assert.Equal(1, (await reader.Store.GetAsync(Key, default))!.Version);
        var events = new List<(TokenSlotKey, long)>();
        reader.Store.TokenChanged += (key, version) => { lock (events) { events.Add((key, version)); } };

        // A newer version lands without its message (as when the message is lost).
        var multiplexer = await writer.Connection.GetAsync();
        await multiplexer.GetDatabase().HashSetAsync(writer.Store.Keys.Token(Key), "version", 2);
        var raised = await reader.Store.CheckVersionsAsync(default);

        Assert.Equal(1, raised);
        lock (events)
        {
            Assert.Equal([(Key, 2L)], events);
        }

        Assert.Equal(0, await reader.Store.CheckVersionsAsync(default));
    }

    [Fact]
    public async Task Version_check_re_reads_one_batch_per_check_and_every_key_within_a_round()
    {
        var options = TestStores.Options(redis.Configuration);
        options.EventsCheckBatch = 2;
        await using var writer = TestStores.Store(options, new ManualClock(Start));
        await using var reader = TestStores.Store(options, new ManualClock(Start));
        var keys = Enumerable.Range(1, 5).Select(i => TokenSlotKey.AccessToken($"wx00000000000000b{i}")).ToArray();
        foreach (var key in keys)
        {
            await writer.Store.TryWriteAsync(key, Token("T1", 1), default);
            Assert.Equal(1, (await reader.Store.GetAsync(key, default))!.Version);
        }

        var events = new List<TokenSlotKey>();
        reader.Store.TokenChanged += (key, _) => { lock (events) { events.Add(key); } };

        // Every key gets a newer version without its message (as when messages are lost).
        var db = (await writer.Connection.GetAsync()).GetDatabase();
        foreach (var key in keys)
        {
            await db.HashSetAsync(writer.Store.Keys.Token(key), "version", 2);
        }

        // Five keys, two per check: a round is three checks, and each check raises only for the keys it read.
        int[] raised = [await reader.Store.CheckVersionsAsync(default), await reader.Store.CheckVersionsAsync(default), await reader.Store.CheckVersionsAsync(default)];

        Assert.Equal([2, 2, 1], raised);
        lock (events)
        {
            Assert.Equal(keys.OrderBy(k => k.ToString()), events.OrderBy(k => k.ToString()));
        }

        // The next round starts again from the first batch and finds nothing new.
        Assert.Equal(0, await reader.Store.CheckVersionsAsync(default));
    }

    [Fact]
    public async Task A_fenced_writer_holding_an_old_version_cannot_overwrite_a_newer_token()
    {
        var options = TestStores.Options(redis.Configuration);
        await using var stalled = TestStores.Store(options, new ManualClock(Start));
        await using var other = TestStores.Store(options, new ManualClock(Start));

        // Replica A takes a version, then stalls (its lease lapses) before writing.
        var staleVersion = await stalled.Store.NextVersionAsync(Key, default);
        // Replica B takes the lock next, gets a newer version and stores its token.
        var newVersion = await other.Store.NextVersionAsync(Key, default);
        Assert.True(await other.Store.TryWriteAsync(Key, Token("FROM-B", newVersion), default));

        // A wakes up and tries to store what it fetched.
        Assert.False(await stalled.Store.TryWriteAsync(Key, Token("FROM-A", staleVersion), default));

        var stored = await stalled.Store.GetAsync(Key, default);
        Assert.Equal("FROM-B", stored!.Value);
        Assert.Equal(newVersion, stored.Version);
    }

    [Fact]
    public async Task Remove_deletes_the_token()
    {
        await using var replica = TestStores.Store(TestStores.Options(redis.Configuration), new ManualClock(Start));
        await replica.Store.TryWriteAsync(Key, Token("T", 1), default);

        await replica.Store.RemoveAsync(Key, default);

        Assert.Null(await replica.Store.GetAsync(Key, default));
    }

    [Fact]
    public async Task Ping_answers_true_while_redis_is_up()
    {
        await using var replica = TestStores.Store(TestStores.Options(redis.Configuration));

        Assert.True(await replica.Store.PingAsync(default));
    }
}
