using Google.Protobuf.WellKnownTypes;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    private static readonly string Replica = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>Health of every configured key (never a token value) and of the store.</summary>
    public async Task<StatusReply> GetStatusAsync(CancellationToken cancellationToken)
    {
        bool reachable;
        try
        {
            reachable = await _store.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException)
        {
            reachable = false;
        }

        var now = _time.GetUtcNow();
        var reply = new StatusReply
        {
            Replica = Replica,
            Store = _store.Name,
            StoreReachable = reachable,
            Now = Timestamp.FromDateTimeOffset(now),
        };
        foreach (var slot in _slots.Values.Concat(_dynamic.Values).OrderBy(s => s.Key.ToString(), StringComparer.Ordinal))
        {
            var status = KeyStatusOf(slot, now);
            status.ForcedRefreshBudgetLeft = await BudgetLeftAsync(slot.Key, now, cancellationToken).ConfigureAwait(false);
            reply.Keys.Add(status);
        }

        return reply;
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
