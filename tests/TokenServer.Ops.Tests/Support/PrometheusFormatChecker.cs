using System.Globalization;
using System.Text.RegularExpressions;

namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>
/// A strict checker of the Prometheus text exposition format 0.0.4: every line matches the grammar,
/// TYPE comes before a family's samples (once), samples of a family are contiguous, counters end in
/// _total, histogram buckets are cumulative and end with le="+Inf" equal to _count, no series repeats.
/// </summary>
public static partial class PrometheusFormatChecker
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>Checks <paramref name="text"/>; returns the samples, or throws listing every violation.</summary>
    public static IReadOnlyList<Sample> Parse(string text)
    {
        var errors = new List<string>();
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new HashSet<string>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? currentFamily = null;
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            errors.Add("the exposition must end with a line feed");
        }

        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            var at = $"line {n + 1}";
            if (line.Length == 0)
            {
                if (n != lines.Length - 1)
                {
                    errors.Add($"{at}: empty line");
                }

                continue;
            }

            if (line.StartsWith('#'))
            {
                var help = HelpLine().Match(line);
                var type = TypeLine().Match(line);
                if (help.Success)
                {
                    var name = help.Groups[1].Value;
                    if (!helps.Add(name))
                    {
                        errors.Add($"{at}: second HELP for {name}");
                    }

                    if (!ValidHelp(help.Groups[2].Value))
                    {
                        errors.Add($"{at}: HELP text has an invalid escape");
                    }

                    SwitchFamily(name, at);
                }
                else if (type.Success)
                {
                    var name = type.Groups[1].Value;
                    if (types.ContainsKey(name))
                    {
                        errors.Add($"{at}: second TYPE for {name}");
                    }
                    else if (samples.Any(s => FamilyOf(s.Name, types) == name || s.Name == name))
                    {
                        errors.Add($"{at}: TYPE for {name} after its samples");
                    }

                    types[name] = type.Groups[2].Value;
                    SwitchFamily(name, at);
                }
                else if (line.StartsWith("# HELP", StringComparison.Ordinal) || line.StartsWith("# TYPE", StringComparison.Ordinal))
                {
                    errors.Add($"{at}: malformed HELP/TYPE line '{line}'");
                }

                continue;
            }

            var m = SampleLine().Match(line);
            if (!m.Success)
            {
                errors.Add($"{at}: not a valid sample line '{line}'");
                continue;
            }

            var sampleName = m.Groups["name"].Value;
            var labels = ParseLabels(m.Groups["labels"].Value, at, errors);
            if (!TryParseValue(m.Groups["value"].Value, out var value))
            {
                errors.Add($"{at}: value '{m.Groups["value"].Value}' is not a float");
            }

            var family = FamilyOf(sampleName, types);
            if (family is null)
            {
                errors.Add($"{at}: sample {sampleName} has no TYPE before it");
            }
            else
            {
                SwitchFamily(family, at);
                CheckName(types[family], family, sampleName, labels, at, errors);
            }

            var identity = sampleName + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
            if (!seen.Add(identity))
            {
                errors.Add($"{at}: duplicate series {identity}");
            }

            samples.Add(new Sample(sampleName, labels, value));
        }

        CheckHistograms(samples, types, errors);
        if (errors.Count > 0)
        {
            throw new FormatException("Invalid Prometheus exposition:\n" + string.Join('\n', errors));
        }

        return samples;

        void SwitchFamily(string family, string at)
        {
            if (currentFamily == family)
            {
                return;
            }

            if (finished.Contains(family))
            {
                errors.Add($"{at}: family {family} is not contiguous");
            }

            if (currentFamily is not null)
            {
                finished.Add(currentFamily);
            }

            currentFamily = family;
        }
    }

    private static void CheckName(string type, string family, string name, Dictionary<string, string> labels, string at, List<string> errors)
    {
        switch (type)
        {
            case "counter" when name != family || !name.EndsWith("_total", StringComparison.Ordinal):
                errors.Add($"{at}: counter sample {name} must be named {family} and end in _total");
                break;
            case "gauge" or "untyped" when name != family:
                errors.Add($"{at}: sample {name} does not belong to {family}");
                break;
            case "histogram":
                if (name == family + "_bucket")
                {
                    if (!labels.ContainsKey("le"))
                    {
                        errors.Add($"{at}: histogram bucket without le");
                    }
                }
                else if (name != family + "_sum" && name != family + "_count")
                {
                    errors.Add($"{at}: {name} is not a histogram sample of {family}");
                }
                else if (labels.ContainsKey("le"))
                {
                    errors.Add($"{at}: {name} must not carry le");
                }

                break;
        }
    }

    private static void CheckHistograms(List<Sample> samples, Dictionary<string, string> types, List<string> errors)
    {
        foreach (var family in types.Where(t => t.Value == "histogram").Select(t => t.Key))
        {
            var buckets = samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => SeriesKey(s.Labels.Where(l => l.Key != "le")));
            foreach (var series in buckets)
            {
                var ordered = series.ToList();
                double lastLe = double.NegativeInfinity, lastCount = 0;
                foreach (var b in ordered)
                {
                    if (!TryParseValue(b.Labels["le"], out var le) || le <= lastLe)
                    {
                        errors.Add($"{family}{{{series.Key}}}: bucket le={b.Labels["le"]} is not increasing");
                    }

                    if (b.Value < lastCount)
                    {
                        errors.Add($"{family}{{{series.Key}}}: bucket le={b.Labels["le"]} is not cumulative");
                    }

                    lastLe = le;
                    lastCount = b.Value;
                }

                if (ordered[^1].Labels["le"] != "+Inf")
                {
                    errors.Add($"{family}{{{series.Key}}}: buckets do not end with le=\"+Inf\"");
                }

                var count = samples.FirstOrDefault(s => s.Name == family + "_count" && SeriesKey(s.Labels) == series.Key);
                var sum = samples.FirstOrDefault(s => s.Name == family + "_sum" && SeriesKey(s.Labels) == series.Key);
                if (count is null || sum is null)
                {
                    errors.Add($"{family}{{{series.Key}}}: _sum or _count missing");
                }
                else if (count.Value != ordered[^1].Value)
                {
                    errors.Add($"{family}{{{series.Key}}}: _count {count.Value} differs from the +Inf bucket {ordered[^1].Value}");
                }
            }
        }
    }

    private static string SeriesKey(IEnumerable<KeyValuePair<string, string>> labels) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value));

    private static string? FamilyOf(string sample, Dictionary<string, string> types)
    {
        if (types.ContainsKey(sample))
        {
            return sample;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sample[..^suffix.Length], out var t) && t is "histogram" or "summary")
            {
                return sample[..^suffix.Length];
            }
        }

        return null;
    }

    private static Dictionary<string, string> ParseLabels(string body, string at, List<string> errors)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body.Length == 0)
        {
            return labels;
        }

        foreach (Match l in LabelPair().Matches(body))
        {
            var name = l.Groups[1].Value;
            var raw = l.Groups[2].Value;
            if (!labels.TryAdd(name, Unescape(raw)))
            {
                errors.Add($"{at}: label {name} repeated");
            }
        }

        return labels;
    }

    private static string Unescape(string raw) => raw.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static bool ValidHelp(string help)
    {
        for (var i = 0; i < help.Length; i++)
        {
            if (help[i] == '\\')
            {
                if (i + 1 >= help.Length || (help[i + 1] != '\\' && help[i + 1] != 'n'))
                {
                    return false;
                }

                i++;
            }
        }

        return true;
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !text.Contains(' ', StringComparison.Ordinal);
        }
    }

    private const string MetricName = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private const string LabelName = "[a-zA-Z_][a-zA-Z0-9_]*";
    private const string LabelValue = "(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*";

    [GeneratedRegex("^# HELP (" + MetricName + ") (.*)$")]
    private static partial Regex HelpLine();

    [GeneratedRegex("^# TYPE (" + MetricName + ") (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex("^(?<name>" + MetricName + ")(?:\\{(?<labels>(?:" + LabelName + "=\"" + LabelValue + "\")(?:," + LabelName + "=\"" + LabelValue + "\")*,?)?\\})? (?<value>[^ ]+)(?: -?[0-9]+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(" + LabelName + ")=\"(" + LabelValue + ")\"")]
    private static partial Regex LabelPair();
}
