using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// Change propagation: the pub/sub subscription on <c>{p}:events</c> and the periodic version check
/// that repairs lost messages. <see cref="TokenChanged"/> is raised once per (key, newer version):
/// duplicates (our own write's echo, a message also found by the check) are dropped.
/// </summary>
internal sealed partial class RedisTokenStore
{
    // Highest version announced per key this store has seen (read, written or announced).
    private readonly ConcurrentDictionary<TokenSlotKey, long> _announced = new();

    /// <summary>Keys read per round trip of the version check.</summary>
    internal const int VersionCheckPageSize = 500;

    // Position in _announced's enumeration where the next version check starts (see NextCheckBatch).
    private int _checkCursor;
    private readonly object _subscriptionGate = new();
    private Task? _subscribing;

    public event Action<TokenSlotKey, long>? TokenChanged;

    public event Action? ReconcileNeeded;

    /// <summary>
    /// Subscribes to the events channel (once; the multiplexer re-subscribes after reconnects by
    /// itself). Retried by the next call when the first attempt failed.
    /// </summary>
    internal Task EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        lock (_subscriptionGate)
        {
            if (_subscribing is null || _subscribing.IsFaulted || _subscribing.IsCanceled)
            {
                _subscribing = SubscribeAsync(cancellationToken);
            }

            return _subscribing;
        }
    }

    /// <summary>
    /// Re-reads the stored version of the next batch of keys this store knows (all of them while there are at most
    /// <see cref="RedisOptions.EventsCheckBatch"/>) and raises <see cref="TokenChanged"/> for each newer than the one
    /// announced (a missed message). A key that is gone or older than announced (FLUSHALL, a restart without
    /// persistence) raises <see cref="ReconcileNeeded"/> once and is forgotten until read or announced again. Returns
    /// how many TokenChanged it raised. One caller at a time (the monitor).
    /// </summary>
    /// <exception cref="TokenStoreUnavailableException">Redis cannot be reached.</exception>
    internal async Task<int> CheckVersionsAsync(CancellationToken cancellationToken)
    {
        var keys = NextCheckBatch();
        if (keys.Length == 0)
        {
            return 0;
        }

        // Page by page, each page under its own operation timeout: a batch of thousands of keys is not one
        // all-or-nothing batch, and one page that times out does not stop the others' repair.
        var raised = 0;
        var lost = false;
        TokenStoreUnavailableException? failure = null;
        for (var start = 0; start < keys.Length; start += VersionCheckPageSize)
        {
            var page = keys.AsMemory(start, Math.Min(VersionCheckPageSize, keys.Length - start)).ToArray();
            RedisValue[] versions;
            try
            {
                versions = await RunAsync(
                    "version check",
                    db => Task.WhenAll(page.Select(key => db.HashGetAsync(_keys.Token(key), "version"))),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (TokenStoreUnavailableException ex)
            {
                failure ??= ex;
                continue;
            }

            for (var i = 0; i < page.Length; i++)
            {
                if (!versions[i].TryParse(out long version) || (_announced.TryGetValue(page[i], out var older) && version < older))
                {
                    RedisLog.TokenGone(_logger, page[i].ToString());
                    _announced.TryRemove(page[i], out _);
                    lost = true;
                    continue;
                }

                if (_announced.TryGetValue(page[i], out var known) && version > known)
                {
                    RedisLog.MissedEvent(_logger, page[i].ToString(), version);
                    if (Announce(page[i], version))
                    {
                        raised++;
                    }
                }
            }
        }

        if (lost)
        {
            RaiseReconcileNeeded();
        }

        if (failure is not null)
        {
            throw failure;
        }

        return raised;
    }

    /// <summary>
    /// The keys the next version check re-reads: up to <see cref="RedisOptions.EventsCheckBatch"/> of them, from where
    /// the previous check stopped, back to the first after the last. Enumerates the map in place: a copy of every key
    /// (<c>_announced.Keys</c>) would be 800 KB of large-object garbage per check at 100,000 keys. A key added or
    /// removed meanwhile may shift the position by one, so a key can wait one more round; none is skipped for good.
    /// </summary>
    private TokenSlotKey[] NextCheckBatch()
    {
        var size = Math.Max(1, _options.EventsCheckBatch);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var start = _checkCursor;
            var batch = new List<TokenSlotKey>(Math.Min(size, _announced.Count));
            var index = 0;
            var more = false;
            foreach (var pair in _announced)
            {
                if (index++ < start)
                {
                    continue;
                }

                if (batch.Count == size)
                {
                    more = true;
                    break;
                }

                batch.Add(pair.Key);
            }

            _checkCursor = more ? start + batch.Count : 0;
            if (batch.Count > 0 || start == 0)
            {
                return [.. batch];
            }
        }

        return [];
    }

    private void RaiseReconcileNeeded()
    {
        try
        {
            ReconcileNeeded?.Invoke();
        }
#pragma warning disable CA1031 // A failing handler must not break the store.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RedisLog.HandlerFailed(_logger, ex, "(reconcile)");
        }
    }

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        var multiplexer = await _connection.GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var subscriber = multiplexer.GetSubscriber();
        try
        {
            await subscriber.SubscribeAsync(_keys.Events, OnMessage).WaitAsync(_options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisConnection.IsRedisFailure(ex))
        {
            // Drop the half-registered handler so the retry does not register it twice.
            _ = subscriber.UnsubscribeAsync(_keys.Events, OnMessage, CommandFlags.FireAndForget);
            var failure = new TokenStoreUnavailableException(_connection.Describe("SUBSCRIBE", ex), ex) { Reason = "Redis SUBSCRIBE failed" };
            LogUnavailable(failure);
            throw failure;
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        if (!RedisKeys.TryParseEvent(message, out var key, out var version))
        {
            RedisLog.MalformedEvent(_logger);
            return;
        }

        Announce(key, version);
    }

    /// <summary>Remembers a key read from the store so the version check watches it.</summary>
    private void Track(TokenSlotKey key, long version) => _announced.TryAdd(key, version);

    /// <summary>Raises <see cref="TokenChanged"/> when <paramref name="version"/> is newer than announced.</summary>
    private bool Announce(TokenSlotKey key, long version)
    {
        while (true)
        {
            if (_announced.TryGetValue(key, out var known))
            {
                if (version <= known)
                {
                    return false;
                }

                if (_announced.TryUpdate(key, version, known))
                {
                    break;
                }
            }
            else if (_announced.TryAdd(key, version))
            {
                break;
            }
        }

        try
        {
            TokenChanged?.Invoke(key, version);
        }
#pragma warning disable CA1031 // A failing handler must not break the subscription.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RedisLog.HandlerFailed(_logger, ex, key.ToString());
        }

        return true;
    }
}
