using System.Collections.Concurrent;

namespace WeChatSimulator;

/// <summary>
/// Faults the simulator injects, changeable at run time (by tests directly, by other processes through
/// <c>POST /_sim/faults</c>). Faults apply to the token endpoints: <c>/cgi-bin/token</c>, <c>/cgi-bin/stable_token</c>
/// and the third-party platform's <c>api_component_token</c> and <c>api_authorizer_token</c>;
/// <see cref="Latency"/> applies to every <c>/cgi-bin/</c> endpoint.
/// </summary>
public sealed class SimulatorFaults
{
    private readonly Lock _randomGate = new();
    private Random _random = new();
    private int? _seed;

    /// <summary>
    /// Delay before each <c>/cgi-bin/</c> answer. This is network time, so it is real wall-clock time
    /// (<see cref="Task.Delay(TimeSpan, CancellationToken)"/>), not the simulator's <see cref="TimeProvider"/>:
    /// a <see cref="ManualClock"/> would otherwise hold every request until a test advanced it.
    /// </summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Share (0..1) of token calls answered <c>-1 system error</c>. Drawn from a <see cref="Random"/> seeded by <see cref="Seed"/>.</summary>
    public double BusyShare { get; set; }

    /// <summary>
    /// When true, token calls answer 40164 (caller IP not in the whitelist); the component token endpoints answer
    /// 61004 (client ip not registered) instead.
    /// </summary>
    public bool RejectIp { get; set; }

    /// <summary>
    /// Apps whose token calls answer 45009 (for the component endpoints: a component appid or an authorizer
    /// appid) (daily quota reached). Change it between calls, or lock the
    /// set while changing it when requests are in flight.
    /// </summary>
    public HashSet<string> QuotaExhaustedApps { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Error code forced on an app's token calls, e.g. <c>AppErrors[appId] = 40243</c> (AppSecret frozen),
    /// 50004, 50007, 89503 or any other code from the WeChat table.
    /// </summary>
    public ConcurrentDictionary<string, int> AppErrors { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Error code forced on a third-party platform's token calls (<c>api_component_token</c> and
    /// <c>api_authorizer_token</c>), keyed by component appid, e.g. <c>ComponentErrors[componentAppId] = 61004</c>.
    /// Authorizer appids in <see cref="AppErrors"/> force a code on that authorizer's <c>api_authorizer_token</c> calls.
    /// </summary>
    public ConcurrentDictionary<string, int> ComponentErrors { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Error code forced on <c>api_query_auth</c>, keyed by component appid (e.g. -1 system busy): the authorization
    /// code is checked after it, so a refused call leaves the code unused, as WeChat does.
    /// </summary>
    public ConcurrentDictionary<string, int> QueryAuthErrors { get; } = new(StringComparer.Ordinal);

    /// <summary>Seed of the random source behind <see cref="BusyShare"/>; setting it restarts the sequence. Null: unseeded.</summary>
    public int? Seed
    {
        get => _seed;
        set
        {
            lock (_randomGate)
            {
                _seed = value;
                _random = value is { } seed ? new Random(seed) : new Random();
            }
        }
    }

    /// <summary>Clears every fault (keeps the seed).</summary>
    public void Clear()
    {
        Latency = TimeSpan.Zero;
        BusyShare = 0;
        RejectIp = false;
        lock (QuotaExhaustedApps)
        {
            QuotaExhaustedApps.Clear();
        }

        AppErrors.Clear();
        ComponentErrors.Clear();
        QueryAuthErrors.Clear();
    }

    internal bool IsQuotaExhausted(string appId)
    {
        lock (QuotaExhaustedApps)
        {
            return QuotaExhaustedApps.Contains(appId);
        }
    }

    internal string[] QuotaExhaustedSnapshot()
    {
        lock (QuotaExhaustedApps)
        {
            return [.. QuotaExhaustedApps];
        }
    }

    internal bool NextIsBusy()
    {
        var share = BusyShare;
        if (share <= 0)
        {
            return false;
        }

        lock (_randomGate)
        {
            return _random.NextDouble() < share;
        }
    }
}
