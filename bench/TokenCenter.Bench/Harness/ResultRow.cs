namespace TokenCenter.Bench.Harness;

/// <summary>
/// One line of the report: a measured value, the baseline it is compared with (measured in the same
/// run), their ratio, and the target when the issue sets one. <see cref="Status"/> is "ok", "miss"
/// (target not met), "info" (no target), "skip" (not available) or "error" (the scenario failed).
/// </summary>
internal sealed record ResultRow(
    string Scenario,
    string Metric,
    double? Value,
    string Unit,
    double? Baseline = null,
    string? BaselineLabel = null,
    double? Ratio = null,
    string? Target = null,
    string Status = "info",
    string? Note = null)
{
    public static ResultRow Skip(string scenario, string metric, string why) => new(scenario, metric, null, "", Status: "skip", Note: why);

    public static ResultRow Error(string scenario, string metric, string why) => new(scenario, metric, null, "", Status: "error", Note: why);
}
