using System.Collections.Concurrent;

namespace WeChatSimulator.Internal;

/// <summary>Calls and newly issued credentials per (app id, endpoint name).</summary>
internal sealed class CallCounters
{
    private readonly ConcurrentDictionary<(string AppId, string Endpoint), Counter> _counters = new();

    public void Call(string appId, string endpoint) => Interlocked.Increment(ref Get(appId, endpoint).Calls);

    public void Issued(string appId, string endpoint) => Interlocked.Increment(ref Get(appId, endpoint).Issued);

    public int Calls(string appId, string endpoint) =>
        _counters.TryGetValue((appId, endpoint), out var c) ? Volatile.Read(ref c.Calls) : 0;

    public int IssuedCount(string appId, string endpoint) =>
        _counters.TryGetValue((appId, endpoint), out var c) ? Volatile.Read(ref c.Issued) : 0;

    public void Clear() => _counters.Clear();

    public IReadOnlyList<(string AppId, string Endpoint, int Calls, int Issued)> Snapshot() =>
        [.. _counters
            .Select(kv => (kv.Key.AppId, kv.Key.Endpoint, Volatile.Read(ref kv.Value.Calls), Volatile.Read(ref kv.Value.Issued)))
            .OrderBy(x => x.AppId, StringComparer.Ordinal)
            .ThenBy(x => x.Endpoint, StringComparer.Ordinal)];

    private Counter Get(string appId, string endpoint) => _counters.GetOrAdd((appId, endpoint), static _ => new Counter());

    private sealed class Counter
    {
        public int Calls;
        public int Issued;
    }
}
