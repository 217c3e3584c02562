namespace TokenCenter.Server.Engine;

/// <summary>The embedded quota store for a single replica: usage per key in a dictionary.</summary>
internal sealed class InMemoryForcedRefreshBudgetStore : IForcedRefreshBudgetStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TokenSlotKey, Usage> _usage = [];

    /// <inheritdoc />
    public Task<ForcedRefreshUsage> GetAsync(TokenSlotKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var usage = Current(key, now);
            return Task.FromResult(new ForcedRefreshUsage(usage.Count, usage.Last));
        }
    }

    /// <inheritdoc />
    public Task<bool> TryRecordAsync(TokenSlotKey key, DateTimeOffset now, TimeSpan minInterval, int dailyBudget, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var usage = Current(key, now);
            if (usage.Count >= dailyBudget || (usage.Last is { } last && now - last < minInterval))
            {
                return Task.FromResult(false);
            }

            _usage[key] = usage with { Count = usage.Count + 1, Last = now };
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task SettleAsync(TokenSlotKey key, DateTimeOffset recordedAt, DateTimeOffset endedAt, bool refund, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_usage.TryGetValue(key, out var usage) && usage.Last == recordedAt)
            {
                var count = refund && usage.Day == DateOnly.FromDateTime(recordedAt.DateTime) ? Math.Max(0, usage.Count - 1) : usage.Count;
                _usage[key] = usage with { Count = count, Last = endedAt > recordedAt ? endedAt : recordedAt };
            }

            return Task.CompletedTask;
        }
    }

    private Usage Current(TokenSlotKey key, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.DateTime);
        return _usage.TryGetValue(key, out var u) && u.Day == today ? u : new Usage(today, 0, u?.Last);
    }

    private sealed record Usage(DateOnly Day, int Count, DateTimeOffset? Last);
}
