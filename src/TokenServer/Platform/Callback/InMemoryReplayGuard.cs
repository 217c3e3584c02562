using System.Collections.Concurrent;

namespace TokenCenter.Server.Platform.Callback;

/// <summary>The replay guard of a single replica: a dictionary pruned of entries older than their window.</summary>
internal sealed class InMemoryReplayGuard(TimeProvider time) : IReplayGuard
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, bool Handled)> _seen = new(StringComparer.Ordinal);
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    public Task<ReplayVerdict> TryRememberAsync(string componentAppId, string nonce, string signature, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now >= _nextPrune)
        {
            _nextPrune = now + TimeSpan.FromMinutes(1);
            foreach (var (k, entry) in _seen)
            {
                if (entry.Until <= now)
                {
                    _seen.TryRemove(k, out _);
                }
            }
        }

        // Twice the window: a message is accepted while its timestamp is within ±window of now.
        var fresh = (now + window + window, false);
        var key = Key(componentAppId, nonce, signature);
        while (true)
        {
            if (_seen.TryAdd(key, fresh))
            {
                return Task.FromResult(ReplayVerdict.New);
            }

            if (!_seen.TryGetValue(key, out var seen))
            {
                continue; // forgotten meanwhile
            }

            if (seen.Until > now)
            {
                return Task.FromResult(seen.Handled ? ReplayVerdict.Handled : ReplayVerdict.BeingHandled);
            }

            if (_seen.TryUpdate(key, fresh, seen))
            {
                return Task.FromResult(ReplayVerdict.New);
            }
        }
    }

    public Task MarkHandledAsync(string componentAppId, string nonce, string signature, CancellationToken cancellationToken)
    {
        var key = Key(componentAppId, nonce, signature);
        if (_seen.TryGetValue(key, out var seen))
        {
            _seen.TryUpdate(key, (seen.Until, true), seen);
        }

        return Task.CompletedTask;
    }

    public Task ForgetAsync(string componentAppId, string nonce, string signature, CancellationToken cancellationToken)
    {
        _seen.TryRemove(Key(componentAppId, nonce, signature), out _);
        return Task.CompletedTask;
    }

    private static string Key(string componentAppId, string nonce, string signature) => $"{componentAppId}|{nonce}|{signature}";
}
