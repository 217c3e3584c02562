using System.Collections.Concurrent;

namespace TokenCenter.Server.Observability;

/// <summary>Accumulates the measurements of one instrument, per series.</summary>
internal abstract class MetricAggregator(string name, string type, string help)
{
    protected Lock Gate { get; } = new();

    public string Name { get; } = name;

    /// <summary>Prometheus type: counter, gauge or histogram.</summary>
    public string Type { get; } = type;

    public string Help { get; } = help;

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Called before observable instruments report (gauges forget series no longer observed).</summary>
    public virtual void BeginCollect()
    {
    }

    public abstract void Write(PrometheusTextWriter writer);
}

/// <summary>
/// Counters (monotonic sum, "_total") and up-down counters (sum exposed as a gauge). Counters are
/// recorded on every gRPC call: a measurement whose tags were seen before finds its series' cell
/// through <see cref="TagKey"/> without building the series or taking the lock.
/// </summary>
internal sealed class SumAggregator(string name, string type, string help) : MetricAggregator(name, type, help)
{
    private readonly Dictionary<MetricSeries, Cell> _sums = [];
    private readonly ConcurrentDictionary<TagKey, Cell> _cells = new();

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!TagKey.TryCreate(tags, out var key))
        {
            CellOf(MetricSeries.From(tags)).Add(value);
            return;
        }

        if (!_cells.TryGetValue(key, out var cell))
        {
            cell = _cells.GetOrAdd(key, CellOf(MetricSeries.From(tags)));
        }

        cell.Add(value);
    }

    public override void Write(PrometheusTextWriter writer)
    {
        lock (Gate)
        {
            foreach (var (series, cell) in _sums)
            {
                writer.Sample(Name, series.Labels, cell.Value);
            }
        }
    }

    private Cell CellOf(MetricSeries series)
    {
        lock (Gate)
        {
            if (!_sums.TryGetValue(series, out var cell))
            {
                cell = new Cell();
                _sums[series] = cell;
            }

            return cell;
        }
    }

    /// <summary>The running sum of one series, added to without a lock.</summary>
    private sealed class Cell
    {
        private double _sum;

        public double Value => Volatile.Read(ref _sum);

        public void Add(double value)
        {
            var current = Volatile.Read(ref _sum);
            while (true)
            {
                var seen = Interlocked.CompareExchange(ref _sum, current + value, current);
                if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
                {
                    return;
                }

                current = seen;
            }
        }
    }
}

/// <summary>Observable gauges: the last value reported in this collection, per series.</summary>
internal sealed class GaugeAggregator(string name, string help) : MetricAggregator(name, "gauge", help)
{
    private readonly Dictionary<MetricSeries, double> _values = [];

    public override void BeginCollect()
    {
        lock (Gate)
        {
            _values.Clear();
        }
    }

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = MetricSeries.From(tags);
        lock (Gate)
        {
            _values[series] = value;
        }
    }

    public override void Write(PrometheusTextWriter writer)
    {
        lock (Gate)
        {
            foreach (var (series, value) in _values)
            {
                writer.Sample(Name, series.Labels, value);
            }
        }
    }
}

/// <summary>Histograms: cumulative buckets ending in +Inf, sum and count, per series.</summary>
internal sealed class HistogramAggregator(string name, string help, double[] bounds) : MetricAggregator(name, "histogram", help)
{
    private readonly Dictionary<MetricSeries, State> _states = [];

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = MetricSeries.From(tags);
        lock (Gate)
        {
            if (!_states.TryGetValue(series, out var state))
            {
                state = new State(new long[bounds.Length + 1]);
                _states[series] = state;
            }

            var i = 0;
            while (i < bounds.Length && value > bounds[i])
            {
                i++;
            }

            state.Counts[i]++;
            state.Sum += value;
            state.Count++;
        }
    }

    public override void Write(PrometheusTextWriter writer)
    {
        lock (Gate)
        {
            foreach (var (series, state) in _states)
            {
                long cumulative = 0;
                for (var i = 0; i <= bounds.Length; i++)
                {
                    cumulative += state.Counts[i];
                    var le = i < bounds.Length ? PrometheusNames.Value(bounds[i]) : "+Inf";
                    writer.Sample(Name + "_bucket", [.. series.Labels, new("le", le)], cumulative);
                }

                writer.Sample(Name + "_sum", series.Labels, state.Sum);
                writer.Sample(Name + "_count", series.Labels, state.Count);
            }
        }
    }

    private sealed class State(long[] counts)
    {
        public long[] Counts { get; } = counts;

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
