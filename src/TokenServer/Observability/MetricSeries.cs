namespace TokenCenter.Server.Observability;

/// <summary>The label set of one series, with labels sorted by name (the identity of the series).</summary>
internal sealed class MetricSeries : IEquatable<MetricSeries>
{
    private readonly string _identity;

    private MetricSeries(KeyValuePair<string, string>[] labels)
    {
        Labels = labels;
        _identity = string.Join('\u0001', labels.Select(l => l.Key + "\u0002" + l.Value));
    }

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }

    public static MetricSeries From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            labels[i] = new(PrometheusNames.Label(tags[i].Key), Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
        }

        Array.Sort(labels, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new MetricSeries(labels);
    }

    public bool Equals(MetricSeries? other) => other is not null && other._identity == _identity;

    public override bool Equals(object? obj) => Equals(obj as MetricSeries);

    public override int GetHashCode() => _identity.GetHashCode(StringComparison.Ordinal);
}
