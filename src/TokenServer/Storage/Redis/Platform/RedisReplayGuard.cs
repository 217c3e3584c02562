using StackExchange.Redis;
using TokenCenter.Server.Platform.Callback;

namespace TokenCenter.Server.Storage.Redis.Platform;

/// <summary>
/// Callback nonces shared by every replica: <c>SET {p}:nonce:{component}:{sha256(nonce|signature)} pending NX PX</c>
/// twice the replay window, then <c>handled</c> (same expiry) once the message took effect, so a message delivered
/// again to any replica is handled once.
/// </summary>
internal sealed class RedisReplayGuard(RedisPlatformCommands redis) : IReplayGuard
{
    private const string Pending = "pending", Handled = "handled";

    public async Task<ReplayVerdict> TryRememberAsync(string componentAppId, string nonce, string signature, TimeSpan window, CancellationToken cancellationToken)
    {
        var key = redis.Keys.Nonce(componentAppId, nonce, signature);
        // Twice the window: a message is accepted while its timestamp is within ±window of now.
        var ttl = window + window;
        if (await redis.RunAsync("nonce", db => db.StringSetAsync(key, Pending, ttl, When.NotExists), cancellationToken).ConfigureAwait(false))
        {
            return ReplayVerdict.New;
        }

        // Seen: handled, or still being handled (a key gone meanwhile was forgotten by a failed first delivery,
        // which answered non-success: WeChat delivers again, so "being handled" makes it come back).
        var state = await redis.RunAsync("nonce", db => db.StringGetAsync(key), cancellationToken).ConfigureAwait(false);
        return state == Handled ? ReplayVerdict.Handled : ReplayVerdict.BeingHandled;
    }

    public Task MarkHandledAsync(string componentAppId, string nonce, string signature, CancellationToken cancellationToken)
    {
        var key = redis.Keys.Nonce(componentAppId, nonce, signature);
        return redis.RunAsync("nonce handled", db => db.StringSetAsync(key, Handled, expiry: null, keepTtl: true, when: When.Exists), cancellationToken);
    }

    public Task ForgetAsync(string componentAppId, string nonce, string signature, CancellationToken cancellationToken)
    {
        var key = redis.Keys.Nonce(componentAppId, nonce, signature);
        return redis.RunAsync("nonce forget", db => db.KeyDeleteAsync(key), cancellationToken);
    }
}
