using System.Globalization;
using StackExchange.Redis;
using TokenCenter.Server.Platform.Storage;

namespace TokenCenter.Server.Storage.Redis.Platform;

/// <summary>
/// The latest component_verify_ticket per component in Redis (<c>{p}:ticket:{component}</c>), so a ticket pushed
/// to one replica's callback serves every replica. Latest by CreateTime wins (Lua); the key lives 12 h.
/// </summary>
internal sealed class RedisComponentTicketStore(RedisPlatformCommands redis, TimeProvider time) : IComponentTicketStore
{
    public async Task<bool> SetAsync(string componentAppId, ComponentTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        RedisKey[] keys = [redis.Keys.Ticket(componentAppId)];
        RedisValue[] args =
        [
            ticket.Value,
            ticket.CreatedAt.ToUnixTimeMilliseconds(),
            ticket.ReceivedAt.ToUnixTimeMilliseconds(),
            (long)ComponentTicket.Lifetime.TotalMilliseconds,
            time.GetUtcNow().ToUnixTimeMilliseconds(),
            (long)ComponentTicket.Lifetime.TotalMilliseconds,
        ];
        return await redis.RunAsync(
            "ticket write",
            async db => (long)await db.ScriptEvaluateAsync(RedisPlatformScripts.SetTicket, keys, args).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<ComponentTicket?> GetAsync(string componentAppId, CancellationToken cancellationToken)
    {
        var key = redis.Keys.Ticket(componentAppId);
        var fields = await redis.RunAsync("ticket read", db => db.HashGetAsync(key, ["value", "created_at", "received_at"]), cancellationToken).ConfigureAwait(false);
        if (fields[0].IsNullOrEmpty || !long.TryParse((string?)fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var created)
            || !long.TryParse((string?)fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var received))
        {
            return null;
        }

        var ticket = new ComponentTicket(fields[0]!, DateTimeOffset.FromUnixTimeMilliseconds(created), DateTimeOffset.FromUnixTimeMilliseconds(received));
        return ticket.IsValidAt(time.GetUtcNow()) ? ticket : null;
    }

    public Task RejectAsync(string componentAppId, string value, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [redis.Keys.Ticket(componentAppId)];
        RedisValue[] args = [value];
        return redis.RunAsync("ticket reject", db => db.ScriptEvaluateAsync(RedisPlatformScripts.RejectTicket, keys, args), cancellationToken);
    }
}
