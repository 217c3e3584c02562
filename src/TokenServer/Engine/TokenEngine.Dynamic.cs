using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace TokenCenter.Server.Engine;

public sealed partial class TokenEngine
{
    // Keys that come and go at run time (authorizers of a third-party platform), unlike configured apps.
    // They are not scheduled by TokenRefresher: their owner schedules them (the shared due set).
    private readonly ConcurrentDictionary<TokenSlotKey, TokenSlot> _dynamic = new();

    // One instance of each component appid for every dynamic slot of that component (100,000 authorizer slots would
    // otherwise each keep the copy their first request carried). Bounded: a key reaches AddDynamicSlot only once a
    // provider or the registry knows its component.
    private readonly ConcurrentDictionary<string, string> _componentIds = new(StringComparer.Ordinal);

    /// <summary>Number of dynamic slots held (authorizers loaded in this replica).</summary>
    internal int DynamicSlotCount => _dynamic.Count;

    /// <summary>Adds (or returns) the dynamic slot of <paramref name="key"/>, served by <paramref name="source"/>.</summary>
    internal TokenSlot AddDynamicSlot(TokenSlotKey key, ITokenSource source)
    {
        if (_slots.TryGetValue(key, out var configured))
        {
            return configured;
        }

        if (_dynamic.TryGetValue(key, out var held))
        {
            return held;
        }

        if (key.ComponentAppId.Length > 0)
        {
            key = key with { ComponentAppId = _componentIds.GetOrAdd(key.ComponentAppId, static id => id) };
        }

        var slot = _dynamic.GetOrAdd(key, static (k, s) => new TokenSlot(k, s, dynamic: true), source);
        Interlocked.Increment(ref _dynamicGeneration); // the census counts the new key at once
        return slot;
    }

    /// <summary>Drops a dynamic slot (e.g. the authorizer unauthorized): the key is NOT_FOUND from now on and its watches end.</summary>
    internal bool RemoveDynamicSlot(TokenSlotKey key)
    {
        if (!_dynamic.TryRemove(key, out var slot))
        {
            return false;
        }

        _writeBackPending.TryRemove(key, out _);
        Interlocked.Increment(ref _dynamicGeneration);
        slot.CompleteWatchers();
        return true;
    }

    /// <summary>
    /// The dynamic slots held (authorizers, JS-SDK tickets loaded on first use), enumerated in place. Not
    /// <c>_dynamic.Values</c>: that copies every slot into a new array (800 KB on the large object heap at 100,000
    /// authorizers), and the periodic passes over it (ticket refresher, census) made that garbage every few seconds.
    /// Like any enumeration of a <see cref="ConcurrentDictionary{TKey, TValue}"/> it is safe while slots are added or
    /// removed, and may or may not include those.
    /// </summary>
    internal IEnumerable<TokenSlot> DynamicSlots => _dynamic.Select(static pair => pair.Value);

    /// <summary>
    /// Raised after this replica obtained a new token from WeChat by a forced refresh (the old one was rejected),
    /// e.g. so that the JS-SDK tickets fetched with an app's access token are fetched again.
    /// </summary>
    internal event Action<TokenSlotKey>? ForceRefreshed;

    /// <summary>Version of the token held for <paramref name="key"/> (0 when none).</summary>
    internal long HeldVersion(TokenSlotKey key) => TryGetSlot(key, out var slot) ? slot.State?.Token?.Version ?? 0 : 0;

    internal bool TryGetSlot(TokenSlotKey key, [NotNullWhen(true)] out TokenSlot? slot) =>
        _slots.TryGetValue(key, out slot) || _dynamic.TryGetValue(key, out slot);

    /// <summary>Makes <paramref name="token"/> current for <paramref name="key"/> (already stored by the caller); false when not newer.</summary>
    internal bool Adopt(TokenSlotKey key, StoredToken token)
    {
        var slot = Slot(key);
        if (!slot.TryAdopt(token))
        {
            return false;
        }

        lock (slot.Gate)
        {
            slot.LastRefreshAt = token.ObtainedAt;
            slot.LastTrigger = RefreshTrigger.Startup;
            slot.LastFailure = null;
            slot.LastUpstreamError = null;
            slot.ConsecutiveFailures = 0;
        }

        return true;
    }

    /// <summary>Reads the stored token of a slot into L1 (a dynamic slot just created).</summary>
    internal Task LoadSlotAsync(TokenSlotKey key, CancellationToken cancellationToken) => AdoptFromStoreAsync(Slot(key), cancellationToken);

    /// <summary>Refreshes <paramref name="key"/> now, ignoring the backoff of earlier failures (e.g. a JS-SDK ticket after a forced access token).</summary>
    internal Task<SlotState> RefreshNowAsync(TokenSlotKey key)
    {
        var slot = Slot(key);
        lock (slot.Gate)
        {
            slot.RetryNotBefore = null;
        }

        return RefreshAsync(slot);
    }

    /// <summary>
    /// Obtains a token for <paramref name="key"/>, found without a valid one (the component token waiting for its
    /// ticket), now, ignoring the backoff of earlier failures: the token held is answered when it is valid by now,
    /// else the refresh in flight is joined or one starts. Unlike <see cref="RefreshNowAsync"/> it never replaces a
    /// valid token: its baseline is the invalid token (or none), so a valid token another replica stored in the
    /// meantime is adopted under the lock instead of asking WeChat for another.
    /// </summary>
    internal Task<SlotState> ObtainNowAsync(TokenSlotKey key)
    {
        var slot = Slot(key);
        lock (slot.Gate)
        {
            if (slot.State is { } held && held.Token.IsValidAt(_time.GetUtcNow()))
            {
                return Task.FromResult(held);
            }

            slot.RetryNotBefore = null;
            return StartOrJoin(slot, slot.EverHeld ? RefreshTrigger.Proactive : RefreshTrigger.Startup, null, out _);
        }
    }

    /// <summary>The held token of <paramref name="key"/> (valid or not), or null.</summary>
    internal StoredToken? Held(TokenSlotKey key) => TryGetSlot(key, out var slot) ? slot.State?.Token : null;

    /// <summary>
    /// Whether <paramref name="key"/> is served, loading a dynamic key on first use in this replica: the first
    /// <see cref="IDynamicKeyProvider"/> that knows it names its source, and the slot is created and read from the
    /// store. Configured keys answer at once.
    /// </summary>
    public async ValueTask<bool> EnsureKeyAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        if (IsConfigured(key))
        {
            return true;
        }

        foreach (var provider in _dynamicKeys)
        {
            if (await provider.FindAsync(key, this, cancellationToken).ConfigureAwait(false) is not { } source)
            {
                continue;
            }

            AddDynamicSlot(key, source);
            try
            {
                await LoadSlotAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (TokenStoreUnavailableException)
            {
                // The slot exists; GetToken refreshes or reports the store failure.
            }

            return true;
        }

        return false;
    }
}
