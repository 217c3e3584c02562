using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TokenCenter.Bench.Harness;

/// <summary>Writes <c>latest.md</c> (Markdown table) and <c>latest.json</c>.</summary>
internal static class Report
{
    public sealed record ScenarioRun(string Name, string Title, double Seconds, string Outcome);

    public static async Task WriteAsync(BenchContext context, MachineInfo machine, string command, DateTimeOffset started, TimeSpan elapsed, IReadOnlyList<ScenarioRun> scenarios, IReadOnlyList<ResultRow> rows)
    {
        Directory.CreateDirectory(context.ResultsDirectory);
        var json = JsonSerializer.Serialize(new
        {
            command,
            started,
            elapsedSeconds = Math.Round(elapsed.TotalSeconds, 1),
            quick = context.Quick,
            machine,
            loadAverageWhenWritten = MachineInfo.CurrentLoad(),
            scenarios,
            results = rows,
        }, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
        await File.WriteAllTextAsync(Path.Combine(context.ResultsDirectory, "latest.json"), json + "\n");

        var md = new StringBuilder();
        md.AppendLine("# TokenCenter benchmark results").AppendLine();
        if (context.Quick)
        {
            md.AppendLine("**Quick smoke run (`--quick`): tiny durations, the figures are not meaningful.**").AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{command}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Started: {started:yyyy-MM-dd HH:mm:ss zzz}, took {elapsed.TotalMinutes:0.0} min (driver; build not included)");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Commit: {machine.Commit}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- CPU: {machine.Cpu}, {machine.LogicalCores} logical cores; memory {machine.Memory}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- OS: {machine.Os}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- .NET: {machine.Dotnet}; h2load: {machine.H2Load}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Load average (1/5/15 min) at start: {machine.LoadAverage}; when written: {MachineInfo.CurrentLoad()} (other work shares this machine: compare ratios, not absolutes)");
        md.AppendLine().AppendLine("Every ratio is value / baseline, both measured in this run. Figures are medians over the repetitions unless the metric says otherwise.").AppendLine();
        md.AppendLine("| Scenario | Metric | Value | Baseline | Ratio | Target | Status | Notes |");
        md.AppendLine("|---|---|---:|---|---:|---|---|---|");
        foreach (var r in rows)
        {
            var value = r.Value is { } v ? $"{Format(v)} {r.Unit}".Trim() : "—";
            var baseline = r.Baseline is { } b ? $"{Format(b)} {r.Unit}".Trim() + (r.BaselineLabel is null ? "" : $" ({r.BaselineLabel})") : r.BaselineLabel ?? "";
            var ratio = r.Ratio is { } q ? (q is > 0 and < 0.01 ? Format(q) : q.ToString("0.00", CultureInfo.InvariantCulture)) : "";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {Cell(r.Metric)} | {value} | {Cell(baseline)} | {ratio} | {Cell(r.Target ?? "")} | {r.Status} | {Cell(r.Note ?? "")} |");
        }

        md.AppendLine().AppendLine("## Scenarios").AppendLine();
        md.AppendLine("| Scenario | What it measures | Time (s) | Outcome |");
        md.AppendLine("|---|---|---:|---|");
        foreach (var s in scenarios)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Name} | {Cell(s.Title)} | {s.Seconds:0.0} | {Cell(s.Outcome)} |");
        }

        await File.WriteAllTextAsync(Path.Combine(context.ResultsDirectory, "latest.md"), md.ToString());
    }

    public static string Format(double v) => Math.Abs(v) switch
    {
        0 => "0",
        >= 100 => v.ToString("#,0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.0", CultureInfo.InvariantCulture),
        >= 0.01 => v.ToString("0.00", CultureInfo.InvariantCulture),
        _ => v.ToString("0.000", CultureInfo.InvariantCulture),
    };

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
