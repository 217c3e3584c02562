using System.Diagnostics.Metrics;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Observability;

/// <summary>
/// The instruments of the meter <see cref="MeterName"/>. The engine, the upstream handler, the lock
/// decorator and the RPC middleware report through these methods; exporters (OpenTelemetry's Prometheus
/// exporter and OTLP, see MetricsExport) read the meter. Labels never carry a token value or a secret.
/// </summary>
public sealed class TokenCenterMetrics
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "TokenCenter";

    private readonly Counter<long> _refreshes;
    private readonly Histogram<double> _upstreamDuration;
    private readonly Counter<long> _upstreamErrors;
    private readonly Counter<long> _forcedRefused;
    private readonly Counter<long> _locks;
    private readonly Counter<long> _leasesLost;
    private readonly Counter<long> _rpcs;
    private readonly UpDownCounter<long> _watchers;
    private readonly Counter<long> _rateLimited;
    private readonly RecentActivity? _recent;

    /// <summary>
    /// Creates the instruments on the meter of <paramref name="meterFactory"/>. <paramref name="exporter"/>
    /// (OpenTelemetry's, when registered) is taken so that it listens before any instrument records: a
    /// measurement made before a listener exists is lost (the startup refreshes would not be counted).
    /// </summary>
    public TokenCenterMetrics(IMeterFactory meterFactory, OpenTelemetry.Metrics.MeterProvider? exporter = null, RecentActivity? recent = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _ = exporter;
        _recent = recent;
        Meter = meterFactory.Create(MeterName);
        _refreshes = Meter.CreateCounter<long>("tokencenter.refreshes", null, "Token refreshes by kind, app (the component appid for authorizer keys), trigger (startup, proactive, forced) and result (success, failure).");
        _upstreamDuration = Meter.CreateHistogram<double>(
            "tokencenter.upstream.duration",
            "s",
            "Duration of WeChat token endpoint calls (each HTTP attempt) by endpoint.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _upstreamErrors = Meter.CreateCounter<long>("tokencenter.upstream.errors", null, "WeChat token endpoint answers that were errors, by endpoint and errcode (http_NNN, transport).");
        _forcedRefused = Meter.CreateCounter<long>("tokencenter.forced_refresh.refused", null, "Forced refreshes refused by the forced-refresh budget, by kind, app and reason (min_interval, daily_budget).");
        _locks = Meter.CreateCounter<long>("tokencenter.lock.acquisitions", null, "Attempts to take the distributed refresh lock, by result (acquired, failed, error).");
        _leasesLost = Meter.CreateCounter<long>("tokencenter.lock.lost", null, "Refreshes that lost the refresh lock's lease (lapsed or not extended) and so did not write, by kind, app and stage (before_fetch, during_fetch, after_fetch).");
        _rpcs = Meter.CreateCounter<long>("tokencenter.rpc.requests", null, "gRPC calls handled, by method and status.");
        _watchers = Meter.CreateUpDownCounter<long>("tokencenter.watch.subscribers", null, "Open WatchTokens streams.");
        _rateLimited = Meter.CreateCounter<long>("tokencenter.rpc.rate_limited", null, "gRPC calls rejected by the per-caller rate limiter, by policy (rpc, force_refresh).");
    }

    /// <summary>The meter holding every TokenCenter instrument.</summary>
    public Meter Meter { get; }

    /// <summary>A refresh ended: <paramref name="result"/> is "success" (this replica obtained the token from WeChat), "adopted" (another replica's refresh answered it) or "failure".</summary>
    internal void Refreshed(TokenSlotKey key, string trigger, string result)
    {
        _refreshes.Add(1, new("kind", key.KindName), new("app", AppLabel(key)), new("trigger", trigger), new("result", result));
        if (result != "adopted")
        {
            _recent?.Refreshed(trigger, result == "success");
        }
    }

    internal void UpstreamCall(string endpoint, TimeSpan duration) =>
        _upstreamDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("endpoint", endpoint));

    internal void UpstreamError(string endpoint, string errcode)
    {
        _upstreamErrors.Add(1, new("endpoint", endpoint), new("errcode", errcode));
        _recent?.UpstreamError();
    }

    internal void ForcedRefreshRefused(TokenSlotKey key, string reason) =>
        _forcedRefused.Add(1, new("kind", key.KindName), new("app", AppLabel(key)), new("reason", reason.StartsWith("daily", StringComparison.Ordinal) ? "daily_budget" : "min_interval"));

    /// <summary>
    /// The <c>app</c> label: the app id for an app's own keys, the component appid for a component's and its
    /// authorizers' keys, so the number of series stays bounded by configuration, never by authorizers (up to 100,000).
    /// </summary>
    internal static string AppLabel(TokenSlotKey key) => key.ComponentAppId.Length > 0 ? key.ComponentAppId : key.AppId;

    internal void LockAttempt(string result)
    {
        _locks.Add(1, new KeyValuePair<string, object?>("result", result));
        if (result != "acquired")
        {
            _recent?.LockFailed();
        }
    }

    internal void LeaseLost(TokenSlotKey key, string stage) =>
        _leasesLost.Add(1, new("kind", key.KindName), new("app", key.AppId), new("stage", stage));

    internal void Rpc(string method, string status) => _rpcs.Add(1, new("method", method), new("status", status));

    internal void WatchSubscribers(int delta) => _watchers.Add(delta);

    internal void RateLimited(string policy) => _rateLimited.Add(1, new KeyValuePair<string, object?>("policy", policy));
}
