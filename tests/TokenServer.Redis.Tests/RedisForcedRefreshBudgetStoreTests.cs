using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Storage.Redis;
using TokenServer.Redis.Tests.Infrastructure;

namespace TokenServer.Redis.Tests;

/// <summary>The forced-refresh quota in Redis, through the forced-refresh budget: WeChat days, interval from the end of a call, refunds.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class RedisForcedRefreshBudgetStoreTests(SharedRedisFixture redis)
{
    private static readonly TokenSlotKey Key = TokenSlotKey.AccessToken("wx0000000000000001");

    [Fact]
    public async Task The_interval_runs_from_the_end_of_a_forced_call_and_a_refund_gives_the_unit_back()
    {
        await using var connection = new RedisConnection(redis.Configuration);
        var guard = Guard(connection, budget: 2);
        var start = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.True((await guard.TryRecordAsync(Key, start, default)).IsAllowed);
        await guard.SettleAsync(Key, start, start.AddSeconds(20), refund: true, default); // WeChat answered -1 after 20 s
        var tooSoon = await guard.TryRecordAsync(Key, start.AddSeconds(40), default);

        Assert.False(tooSoon.IsAllowed);
        Assert.Equal(TimeSpan.FromSeconds(15), tooSoon.RetryAfter);
        Assert.Equal(2, await guard.BudgetLeftAsync(Key, start.AddSeconds(40), default));
        Assert.True((await guard.TryRecordAsync(Key, start.AddSeconds(55), default)).IsAllowed);
        await guard.SettleAsync(Key, start.AddSeconds(55), start.AddSeconds(56), refund: false, default);
        Assert.Equal(1, await guard.BudgetLeftAsync(Key, start.AddSeconds(60), default));
    }

    [Fact]
    public async Task The_daily_budget_resets_at_midnight_UTC_plus_8_not_at_UTC_midnight()
    {
        await using var connection = new RedisConnection(redis.Configuration);
        var guard = Guard(connection, budget: 1);
        var beijingMorning = new DateTimeOffset(2026, 1, 1, 23, 0, 0, TimeSpan.Zero); // 07:00 Beijing, Jan 2

        Assert.True((await guard.TryRecordAsync(Key, beijingMorning, default)).IsAllowed);
        var afterUtcMidnight = await guard.TryRecordAsync(Key, beijingMorning.AddHours(2), default);
        var afterBeijingMidnight = await guard.TryRecordAsync(Key, new DateTimeOffset(2026, 1, 2, 16, 0, 0, TimeSpan.Zero), default);

        Assert.False(afterUtcMidnight.IsAllowed);
        Assert.Equal(TimeSpan.FromHours(15), afterUtcMidnight.RetryAfter);
        Assert.True(afterBeijingMidnight.IsAllowed);
    }

    private ForcedRefreshBudget Guard(RedisConnection connection, int budget)
    {
        var store = new RedisForcedRefreshBudgetStore(connection, Options.Create(TestStores.Options(redis.Configuration)));
        var options = new TokenCenterOptions { Refresh = { ForcedDailyBudget = budget } };
        return new ForcedRefreshBudget(Options.Create(options), store);
    }
}
