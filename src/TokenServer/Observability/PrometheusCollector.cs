using System.Diagnostics.Metrics;

namespace TokenCenter.Server.Observability;

/// <summary>
/// Listens to the instruments of this host's <see cref="TokenCenterMetrics.MeterName"/> meter (only
/// the one created by this host's <see cref="IMeterFactory"/>) and renders them in the Prometheus text
/// format on demand. Counters become "_total" counters, up-down counters and observable gauges become
/// gauges, histograms keep their advised bucket boundaries.
/// </summary>
internal sealed class PrometheusCollector : IDisposable
{
    private static readonly double[] DefaultBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly List<MetricAggregator> _aggregators = [];

    public PrometheusCollector(IMeterFactory meterFactory, TokenCenterMetrics metrics, TokenLifetimeGauge gauge)
    {
        _ = metrics; // the instruments exist before listening starts
        _ = gauge;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != TokenCenterMetrics.MeterName || !ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                return;
            }

            var aggregator = Create(instrument);
            if (aggregator is null)
            {
                return;
            }

            lock (_gate)
            {
                _aggregators.Add(aggregator);
            }

            listener.EnableMeasurementEvents(instrument, aggregator);
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricAggregator)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricAggregator)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricAggregator)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Observes the observable instruments and renders every family.</summary>
    public string Collect()
    {
        lock (_gate)
        {
            foreach (var a in _aggregators)
            {
                a.BeginCollect();
            }

            _listener.RecordObservableInstruments();
            var writer = new PrometheusTextWriter();
            foreach (var a in _aggregators.OrderBy(a => a.Name, StringComparer.Ordinal))
            {
                writer.Family(a.Name, a.Type, a.Help);
                a.Write(writer);
            }

            return writer.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private static MetricAggregator? Create(Instrument instrument)
    {
        var name = PrometheusNames.Metric(instrument.Name, instrument.Unit);
        var help = instrument.Description ?? instrument.Name;
        return instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> =>
                new SumAggregator(name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total", "counter", help),
            UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double> => new SumAggregator(name, "gauge", help),
            ObservableGauge<double> or ObservableGauge<long> or ObservableGauge<int> => new GaugeAggregator(name, help),
            Histogram<double> h => new HistogramAggregator(name, help, [.. h.Advice?.HistogramBucketBoundaries ?? DefaultBounds]),
            _ => null,
        };
    }
}
