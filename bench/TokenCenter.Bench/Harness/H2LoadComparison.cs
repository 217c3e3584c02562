namespace TokenCenter.Bench.Harness;

/// <summary>
/// Alternating h2load rounds against a target and its ceiling (same request, same answer size), so
/// that both see the same machine noise; rows carry medians over the rounds.
/// </summary>
internal static class H2LoadComparison
{
    public static H2Load.Load DefaultLoad(BenchContext context) =>
        new(Clients: 16, StreamsPerClient: 8, Seconds: context.Pick(1, 5), WarmupSeconds: 1);

    public static async Task CompareAsync(
        BenchContext context,
        string scenario,
        string label,
        Uri target,
        Uri ceiling,
        string requestFile,
        string? throughputTarget,
        int answerBytes,
        IList<ResultRow> results,
        CancellationToken cancellationToken,
        string baselineLabel = "constant-answer ceiling",
        string? baselineRequestFile = null,
        double minimumRatio = 0.8)
    {
        var shortBaseline = baselineLabel == "constant-answer ceiling" ? "ceiling" : baselineLabel;
        var load = DefaultLoad(context);
        var rounds = context.Pick(1, 5);

        // Unmeasured warm-up of both processes: h2load's own --warm-up-time is too short for tiered
        // JIT (and dynamic PGO) to reach steady state, and the first measured round came out far lower.
        var warmup = load with { Seconds = context.Pick(1, 5) };
        foreach (var (url, file, isTarget) in new[] { (ceiling, baselineRequestFile ?? requestFile, false), (target, requestFile, true) })
        {
            var w = await H2Load.RunAsync(url.ToString(), file, warmup, Path.Combine(context.WorkDirectory, "h2load-requests.log"), cancellationToken);
            BenchContext.Log($"  h2load warm-up {(isTarget ? label : shortBaseline)}: {w.RequestsPerSecond:0} req/s (not counted)");
        }

        var mine = new List<H2Load.Result>();
        var baseline = new List<H2Load.Result>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternate which one goes first.
            foreach (var isTarget in round % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var url = isTarget ? target : ceiling;
                var result = await H2Load.RunAsync(url.ToString(), isTarget ? requestFile : baselineRequestFile ?? requestFile, load, Path.Combine(context.WorkDirectory, "h2load-requests.log"), cancellationToken);
                BenchContext.Log($"  h2load {(isTarget ? label : shortBaseline)} round {round + 1}: {result.RequestsPerSecond:0} req/s, p50 {result.P50Ms:0.00} ms, p99 {result.P99Ms:0.00} ms, failed {result.Failed}");
                (isTarget ? mine : baseline).Add(result);
            }
        }

        var loadText = $"h2load -c {load.Clients} -m {load.StreamsPerClient} -t 1, {load.Seconds} s x {rounds} alternating rounds after a {warmup.Seconds} s warm-up of each";
        double rps = Stats.Median(mine.Select(r => r.RequestsPerSecond)), rpsBase = Stats.Median(baseline.Select(r => r.RequestsPerSecond));
        var ratio = Stats.Ratio(rps, rpsBase);
        var failed = mine.Sum(r => r.Failed);
        var status = throughputTarget is null ? "info" : ratio >= minimumRatio && failed == 0 ? "ok" : "miss";
        results.Add(new ResultRow(scenario, $"{label}: requests/s", rps, "req/s", rpsBase, baselineLabel, ratio, throughputTarget, status, loadText));
        double p50 = Stats.Median(mine.Select(r => r.P50Ms)), p50Base = Stats.Median(baseline.Select(r => r.P50Ms));
        results.Add(new ResultRow(scenario, $"{label}: latency p50", p50, "ms", p50Base, shortBaseline, Stats.Ratio(p50, p50Base)));
        double p99 = Stats.Median(mine.Select(r => r.P99Ms)), p99Base = Stats.Median(baseline.Select(r => r.P99Ms));
        results.Add(new ResultRow(scenario, $"{label}: latency p99", p99, "ms", p99Base, shortBaseline, Stats.Ratio(p99, p99Base)));
        if (failed > 0 || baseline.Sum(r => r.Failed) > 0)
        {
            results.Add(new ResultRow(scenario, $"{label}: failed requests", failed, "", baseline.Sum(r => r.Failed), shortBaseline, Status: "miss", Note: "h2load counted non-2xx or errored requests"));
        }
    }
}
