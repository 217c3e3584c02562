using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// The forced-refresh quota shared by every replica: one hash per key (<c>{p}:quota:{…}</c>: day,
/// count, last), checked and recorded in one Lua script so replicas racing for the last unit of
/// budget cannot both take it. Lost with the rest of Redis on a flush (the budget then restarts).
/// </summary>
internal sealed class RedisForcedRefreshBudgetStore(RedisConnection connection, IOptions<RedisOptions> options) : IForcedRefreshBudgetStore
{
    // A day's usage must outlive the day and the minimum interval; two days cover both.
    private static readonly TimeSpan Retention = TimeSpan.FromDays(2);
    private readonly RedisKeys _keys = new(options.Value.KeyPrefix);
    private readonly TimeSpan _timeout = options.Value.OperationTimeout;

    public async Task<ForcedRefreshUsage> GetAsync(TokenSlotKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var quotaKey = _keys.ForcedRefreshBudget(key);
        var fields = await connection.RunAsync(
            "quota read",
            db => db.HashGetAsync(quotaKey, ["day", "count", "last"]),
            _timeout,
            cancellationToken).ConfigureAwait(false);
        var count = (string?)fields[0] == Day(now) && fields[1].TryParse(out int c) ? c : 0;
        DateTimeOffset? last = fields[2].TryParse(out long ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        return new ForcedRefreshUsage(count, last);
    }

    public Task<bool> TryRecordAsync(TokenSlotKey key, DateTimeOffset now, TimeSpan minInterval, int dailyBudget, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [_keys.ForcedRefreshBudget(key)];
        RedisValue[] args =
        [
            Day(now),
            now.ToUnixTimeMilliseconds(),
            (long)minInterval.TotalMilliseconds,
            dailyBudget,
            (long)Retention.TotalMilliseconds,
        ];
        return connection.RunAsync(
            "quota record",
            async db => (long)await db.ScriptEvaluateAsync(RedisScripts.TryRecordForcedRefresh, keys, args).ConfigureAwait(false) == 1,
            _timeout,
            cancellationToken);
    }

    public Task SettleAsync(TokenSlotKey key, DateTimeOffset recordedAt, DateTimeOffset endedAt, bool refund, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [_keys.ForcedRefreshBudget(key)];
        RedisValue[] args =
        [
            recordedAt.ToUnixTimeMilliseconds(),
            Math.Max(endedAt.ToUnixTimeMilliseconds(), recordedAt.ToUnixTimeMilliseconds()),
            refund ? 1 : 0,
            Day(recordedAt),
        ];
        return connection.RunAsync(
            "quota settle",
            db => db.ScriptEvaluateAsync(RedisScripts.SettleForcedRefresh, keys, args),
            _timeout,
            cancellationToken);
    }

    /// <summary>The calendar date at <paramref name="now"/>'s own offset (the guard passes WeChat's UTC+8).</summary>
    private static string Day(DateTimeOffset now) => now.DateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}
