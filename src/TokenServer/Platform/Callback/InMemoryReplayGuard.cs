using System.Collections.Concurrent;

namespace TokenCenter.Server.Platform.Callback;

/// <summary>The replay guard of a single replica: a dictionary pruned of entries older than their window.</summary>
internal sealed class InMemoryReplayGuard(TimeProvider time) : IReplayGuard
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    public Task<bool> TryRememberAsync(string componentAppId, string nonce, string signature, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now >= _nextPrune)
        {
            _nextPrune = now + TimeSpan.FromMinutes(1);
            foreach (var (k, until) in _seen)
            {
                if (until <= now)
                {
                    _seen.TryRemove(k, out _);
                }
            }
        }

        var key = $"{componentAppId}|{nonce}|{signature}";
        // Twice the window: a message is accepted while its timestamp is within ±window of now.
        var added = _seen.TryAdd(key, now + window + window);
        if (!added && _seen.TryGetValue(key, out var expiry) && expiry <= now)
        {
            _seen[key] = now + window + window;
            added = true;
        }

        return Task.FromResult(added);
    }

    public Task ForgetAsync(string componentAppId, string nonce, string signature, CancellationToken cancellationToken)
    {
        _seen.TryRemove($"{componentAppId}|{nonce}|{signature}", out _);
        return Task.CompletedTask;
    }
}
