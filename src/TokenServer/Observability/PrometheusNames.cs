using System.Text;

namespace TokenCenter.Server.Observability;

/// <summary>Converts instrument names, units and labels to Prometheus names, and escapes text.</summary>
internal static class PrometheusNames
{
    /// <summary>"tokencenter.upstream.duration" with unit "s" → "tokencenter_upstream_duration_seconds".</summary>
    public static string Metric(string instrument, string? unit)
    {
        var name = Sanitize(instrument, allowColon: true);
        var suffix = unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => string.Empty,
        };
        return suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal) ? name + suffix : name;
    }

    public static string Label(string name) => Sanitize(name, allowColon: false);

    /// <summary>Label value escaping: backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>HELP escaping: backslash and line feed.</summary>
    public static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static string Value(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Sanitize(string name, bool allowColon)
    {
        var sb = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            sb.Append(ok ? c : '_');
        }

        return sb.Length == 0 ? "_" : sb.ToString();
    }
}
