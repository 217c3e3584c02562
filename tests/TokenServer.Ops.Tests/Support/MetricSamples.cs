using System.Globalization;
using System.Text.RegularExpressions;

namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>
/// Reads the sample lines of a /metrics answer (<c>name{label="value",…} number</c>) so tests can assert
/// what was counted. Not a format checker: that the exposition is valid is proven by a real Prometheus
/// ingesting it (PrometheusScrapeTests).
/// </summary>
public static partial class MetricSamples
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public static IReadOnlyList<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#' || Line().Match(line) is not { Success: true } m)
            {
                continue;
            }

            var labels = Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => Regex.Unescape(l.Groups[2].Value));
            var value = m.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(m.Groups["name"].Value, labels, value));
        }

        return samples;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?\s*$")]
    private static partial Regex Line();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
