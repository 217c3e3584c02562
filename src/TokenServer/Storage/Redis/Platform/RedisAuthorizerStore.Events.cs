using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Storage;

namespace TokenCenter.Server.Storage.Redis.Platform;

/// <summary>Cross-replica announcements of authorizers added (or re-authorized) and removed, on <c>{p}:authevents</c>.</summary>
internal sealed partial class RedisAuthorizerStore
{
    private const string Added = "added";
    private const string Removed = "removed";
    private readonly ILogger _logger;
    private readonly Lock _subscriptionGate = new();
    private Task? _subscribing;

    public event Action<AuthorizerId>? AuthorizerRemoved;

    public event Action<AuthorizerId>? AuthorizerAdded;

    /// <summary>Subscribes once; a failed attempt is retried by the next call (every store call makes one).</summary>
    internal Task EnsureSubscribedAsync()
    {
        lock (_subscriptionGate)
        {
            if (_subscribing is null || _subscribing.IsFaulted || _subscribing.IsCanceled)
            {
                _subscribing = SubscribeAsync();
                _ = _subscribing.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            return _subscribing;
        }
    }

    private async Task SubscribeAsync()
    {
        var multiplexer = await _redis.Connection.GetAsync().WaitAsync(_redis.Timeout).ConfigureAwait(false);
        var subscriber = multiplexer.GetSubscriber();
        try
        {
            await subscriber.SubscribeAsync(_redis.Keys.AuthorizerEvents, OnMessage).WaitAsync(_redis.Timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsRedisFailure(ex))
        {
            _ = subscriber.UnsubscribeAsync(_redis.Keys.AuthorizerEvents, OnMessage, CommandFlags.FireAndForget);
            var failure = new TokenStoreUnavailableException(_redis.Connection.Describe("SUBSCRIBE authorizer events", ex), ex) { Reason = "Redis SUBSCRIBE failed" };
            _redis.LogUnavailable(failure);
            throw failure;
        }
    }

    private static string Message(string what, string componentAppId, string appId) =>
        what + "|" + RedisPlatformKeys.DueMember(componentAppId, appId);

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        var text = (string?)message;
        var bar = text?.IndexOf('|') ?? -1;
        if (bar <= 0 || !RedisPlatformKeys.TryParseMember(text![(bar + 1)..], out var component, out var app))
        {
            RedisLog.MalformedEvent(_logger);
            return;
        }

        var id = new AuthorizerId(component, app);
        switch (text[..bar])
        {
            case Removed:
                Raise(AuthorizerRemoved, id);
                break;
            case Added:
                Raise(AuthorizerAdded, id);
                break;
            default:
                RedisLog.MalformedEvent(_logger);
                break;
        }
    }

    private void Raise(Action<AuthorizerId>? handler, AuthorizerId id)
    {
        try
        {
            handler?.Invoke(id);
        }
#pragma warning disable CA1031 // A failing handler must not break the subscription.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RedisLog.HandlerFailed(_logger, ex, $"{id.ComponentAppId}:{id.AppId}");
        }
    }
}
