using StackExchange.Redis;
using TokenCenter.Server.Platform.Callback;

namespace TokenCenter.Server.Storage.Redis.Platform;

/// <summary>
/// Callback nonces shared by every replica: <c>SET {p}:nonce:{component}:{sha256(nonce|signature)} 1 NX PX</c>
/// twice the replay window, so a message replayed to another replica is refused too.
/// </summary>
internal sealed class RedisReplayGuard(RedisPlatformGateway redis) : IReplayGuard
{
    public Task<bool> TryRememberAsync(string componentAppId, string nonce, string signature, TimeSpan window, CancellationToken cancellationToken)
    {
        var key = redis.Keys.Nonce(componentAppId, nonce, signature);
        // Twice the window: a message is accepted while its timestamp is within ±window of now.
        var ttl = window + window;
        return redis.RunAsync("nonce", db => db.StringSetAsync(key, 1, ttl, When.NotExists), cancellationToken);
    }

    public Task ForgetAsync(string componentAppId, string nonce, string signature, CancellationToken cancellationToken)
    {
        var key = redis.Keys.Nonce(componentAppId, nonce, signature);
        return redis.RunAsync("nonce forget", db => db.KeyDeleteAsync(key), cancellationToken);
    }
}
