using Google.Protobuf.WellKnownTypes;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    private static readonly string Replica = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>Health of every configured key (never a token value) and of the store.</summary>
    public async Task<StatusReply> GetStatusAsync(CancellationToken cancellationToken)
    {
        var reachable = await StoreReachableAsync(cancellationToken).ConfigureAwait(false);

        var now = _time.GetUtcNow();
        var reply = new StatusReply
        {
            Replica = Replica,
            Store = _store.Name,
            StoreReachable = reachable,
            Now = Timestamp.FromDateTimeOffset(now),
        };
        foreach (var slot in _slots.Values.Concat(DynamicSlots).OrderBy(s => s.Key.ToString(), StringComparer.Ordinal))
        {
            var status = KeyStatusOf(slot, now);
            status.ForcedRefreshBudgetLeft = await BudgetLeftAsync(slot.Key, now, cancellationToken).ConfigureAwait(false);
            reply.Keys.Add(status);
        }

        reply.DynamicKeyCounts.AddRange(DynamicKeyCounts().Select(c => c.Clone()));
        return reply;
    }

    /// <summary>The status of each configured (not dynamic) key, from memory only: what readiness looks at.</summary>
    internal IReadOnlyList<KeyStatus> ConfiguredKeyStatus()
    {
        var now = _time.GetUtcNow();
        return [.. _slots.Values.OrderBy(s => s.Key.ToString(), StringComparer.Ordinal).Select(s => KeyStatusOf(s, now))];
    }

    private static readonly TimeSpan CensusMaxAge = TimeSpan.FromSeconds(5);
    private readonly Lock _censusGate = new();
    private (DateTimeOffset At, int Generation, IReadOnlyList<DynamicKeyCount> Counts)? _census;

    // Bumped whenever a dynamic key is added or removed: the census is recomputed at the next read.
    private int _dynamicGeneration;

    /// <summary>
    /// Dynamic keys counted by kind, component and health (valid, invalid, needs re-authorization): a bounded
    /// summary whatever their number, recomputed from memory at most every few seconds (and as soon as a dynamic key
    /// was added or removed).
    /// </summary>
    internal IReadOnlyList<DynamicKeyCount> DynamicKeyCounts()
    {
        var now = _time.GetUtcNow();
        var generation = Volatile.Read(ref _dynamicGeneration);
        lock (_censusGate)
        {
            if (_census is { } cached && cached.Generation == generation && now - cached.At < CensusMaxAge && now >= cached.At)
            {
                return cached.Counts;
            }
        }

        var groups = new Dictionary<(TokenKind, string), DynamicKeyCount>();
        foreach (var slot in DynamicSlots)
        {
            var group = (slot.Key.Kind, slot.Key.ComponentAppId);
            if (!groups.TryGetValue(group, out var count))
            {
                groups[group] = count = new DynamicKeyCount { Kind = slot.Key.Kind, ComponentAppId = slot.Key.ComponentAppId };
            }

            if (slot.State?.Token is { } token && token.IsValidAt(now))
            {
                count.Valid++;
            }
            else
            {
                count.Invalid++;
            }

            if (slot.Source is IKeyStateReporter reporter && reporter.StateOf(slot.Key).StartsWith("needs re-authorization", StringComparison.Ordinal))
            {
                count.NeedsReauthorization++;
            }
        }

        IReadOnlyList<DynamicKeyCount> counts = [.. groups.Values.OrderBy(c => c.Kind).ThenBy(c => c.ComponentAppId, StringComparer.Ordinal)];
        lock (_censusGate)
        {
            _census = (now, generation, counts);
        }

        return counts;
    }

    private async Task<bool> StoreReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _store.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException)
        {
            return false;
        }
    }

    private async Task<int> BudgetLeftAsync(TokenSlotKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            return await _quota.BudgetLeftAsync(key, now, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException)
        {
            return 0; // unknown while the shared store is down; store_reachable says why
        }
    }

    private KeyStatus KeyStatusOf(TokenSlot slot, DateTimeOffset now)
    {
        var status = new KeyStatus
        {
            Key = slot.Key.ToProto(),
            Grant = slot.Source.GrantName(slot.Key),
            UpstreamCallsToday = _calls.Today(slot.Key.AppId),
        };
        if (slot.State?.Token is { } token)
        {
            status.HasValidToken = token.IsValidAt(now);
            status.ExpiresAt = Timestamp.FromDateTimeOffset(token.ExpiresAt);
            status.RemainingSeconds = token.IsValidAt(now) ? (long)(token.ExpiresAt - now).TotalSeconds : 0;
            status.Version = token.Version;
        }

        lock (slot.Gate)
        {
            if (slot.LastRefreshAt is { } at)
            {
                status.LastRefreshAt = Timestamp.FromDateTimeOffset(at);
            }

            status.LastTrigger = slot.LastTrigger?.Name() ?? string.Empty;
            if (slot.LastUpstreamError is { } error)
            {
                status.LastError = error.Clone();
            }
        }

        if (slot.Source is IKeyStateReporter reporter)
        {
            status.State = reporter.StateOf(slot.Key);
        }

        return status;
    }
}
