namespace TokenCenter.Bench.Harness;

/// <summary>Medians and percentiles (nearest rank) of measured samples.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values) => Percentile(values, 50);

    public static double Percentile(IEnumerable<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double? Ratio(double value, double baseline) => baseline > 0 && !double.IsNaN(value) ? value / baseline : null;
}
