using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    /// <summary>Remaining lifetime under which a held token counts as "expiring" on the status page.</summary>
    internal static readonly TimeSpan ExpiringWithin = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The operator view for the status page: counts of every key by state (from memory, no I/O per key)
    /// (and of the dynamic keys by kind and component, as GetStatus' dynamic_key_counts) and one page of the keys
    /// matching <paramref name="query"/>, problems first. Only the keys of the page
    /// are read in full (and their forced-refresh budget from the store), so a platform with 100,000
    /// authorizers costs one pass over memory per request.
    /// </summary>
    internal async Task<StatusPage> GetStatusPageAsync(StatusQuery query, CancellationToken cancellationToken)
    {
        var reachable = await StoreReachableAsync(cancellationToken).ConfigureAwait(false);

        var now = _time.GetUtcNow();
        var counts = new Dictionary<KeyHealth, int>();
        var matching = new List<(TokenSlot Slot, KeyHealth Health)>();
        var busiest = (AppId: string.Empty, Calls: 0);
        foreach (var slot in _slots.Values.Concat(DynamicSlots))
        {
            var health = HealthOf(slot, now);
            counts[health] = counts.GetValueOrDefault(health) + 1;
            var calls = _calls.Today(slot.Key.AppId);
            if (calls > busiest.Calls)
            {
                busiest = (slot.Key.AppId, calls);
            }

            if (query.Matches(slot.Key, health))
            {
                matching.Add((slot, health));
            }
        }

        matching.Sort(static (a, b) => a.Health != b.Health
            ? a.Health.CompareTo(b.Health)
            : string.CompareOrdinal(a.Slot.Key.ToString(), b.Slot.Key.ToString()));
        var page = new List<KeyStatus>();
        foreach (var (slot, _) in matching.Skip(query.Offset).Take(query.Size))
        {
            var status = KeyStatusOf(slot, now);
            status.ForcedRefreshBudgetLeft = await BudgetLeftAsync(slot.Key, now, cancellationToken).ConfigureAwait(false);
            page.Add(status);
        }

        var forcedUsed = 0;
        foreach (var slot in _slots.Values.Where(s => s.Key.Kind == TokenKind.AccessToken))
        {
            forcedUsed += _refresh.ForcedDailyBudget - await BudgetLeftAsync(slot.Key, now, cancellationToken).ConfigureAwait(false);
        }

        return new StatusPage(Replica, _store.Name, reachable, now, counts, busiest.AppId, busiest.Calls, forcedUsed, matching.Count, page, DynamicKeyCounts());
    }

    private static KeyHealth HealthOf(TokenSlot slot, DateTimeOffset now)
    {
        if (slot.Source is IKeyStateReporter reporter && reporter.StateOf(slot.Key).Contains("re-authorization", StringComparison.Ordinal))
        {
            return KeyHealth.NeedsReauthorization;
        }

        var token = slot.State?.Token;
        if (token is null || !token.IsValidAt(now))
        {
            return KeyHealth.NoToken;
        }

        if (token.ExpiresAt - now < ExpiringWithin)
        {
            return KeyHealth.Expiring;
        }

        bool failing;
        lock (slot.Gate)
        {
            failing = slot.LastUpstreamError is { } e && (e.Errcode != 0 || e.Errmsg.Length > 0);
        }

        return failing ? KeyHealth.Failing : KeyHealth.Valid;
    }
}

/// <summary>How a key is doing, worst first (the status page lists keys in this order).</summary>
internal enum KeyHealth
{
    /// <summary>Needs re-authorization by the merchant (authorizers).</summary>
    NeedsReauthorization,

    /// <summary>No valid token held.</summary>
    NoToken,

    /// <summary>A valid token with less than <see cref="TokenEngine.ExpiringWithin"/> left.</summary>
    Expiring,

    /// <summary>A valid token, but the last upstream attempt failed.</summary>
    Failing,

    /// <summary>A valid token and no error.</summary>
    Valid,
}

/// <summary>A status page request: text to find in the key, a state, and the page.</summary>
internal sealed record StatusQuery(string? Text, KeyHealth? Health, bool ProblemsOnly, int Offset, int Size)
{
    public bool Matches(TokenSlotKey key, KeyHealth health) =>
        (Health is null || Health == health)
        && (!ProblemsOnly || health != KeyHealth.Valid)
        && (string.IsNullOrEmpty(Text)
            || key.AppId.Contains(Text, StringComparison.OrdinalIgnoreCase)
            || key.ComponentAppId.Contains(Text, StringComparison.OrdinalIgnoreCase)
            || key.KindName.Contains(Text, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The answer to a <see cref="StatusQuery"/>.</summary>
internal sealed record StatusPage(
    string Replica,
    string Store,
    bool StoreReachable,
    DateTimeOffset Now,
    IReadOnlyDictionary<KeyHealth, int> Counts,
    string BusiestApp,
    int BusiestAppCallsToday,
    int ForcedRefreshesToday,
    int Matching,
    IReadOnlyList<KeyStatus> Keys,
    IReadOnlyList<DynamicKeyCount> DynamicKeyCounts);
