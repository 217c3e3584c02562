using TokenCenter.Bench.Harness;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Issue item 6: one Release TokenServer process (Development, embedded simulator): time from process
/// start to /readyz 200, idle RSS, and both with 1,000 apps configured. Baseline: the constant-answer
/// Kestrel process (same runtime, same host builder) for startup and RSS; one app for the 1,000-app figures.
/// </summary>
internal sealed class FootprintScenario : IScenario
{
    private const int ManyApps = 1000;

    public string Name => "footprint";

    public string Title => "Footprint: startup to /readyz 200 and idle RSS of one Release replica, 1 app and 1,000 apps";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(120, 300));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        var reps = context.Pick(1, 3);
        var settle = TimeSpan.FromSeconds(context.Pick(1, 3));
        var answer = Path.Combine(context.WorkDirectory, "footprint-answer.bin");
        await File.WriteAllBytesAsync(answer, [0, 0, 0, 0, 0], cancellationToken);

        var baseStart = new List<double>();
        var baseRss = new List<double>();
        var oneStart = new List<double>();
        var oneRss = new List<double>();
        var manyStart = new List<double>();
        var manyRss = new List<double>();
        var many = new Dictionary<string, string?>();
        for (var i = 0; i < ManyApps; i++)
        {
            var appId = BenchApps.AppId(0x1000 + i);
            many[$"TokenCenter__Apps__{i}__AppId"] = appId;
            many[$"TokenCenter__Apps__{i}__Secret"] = BenchApps.Secret(appId);
        }

        for (var r = 0; r < reps; r++)
        {
            await using (var ceiling = await Launch.StartConstant(context, "footprint-ceiling", new Dictionary<string, string> { ["/x"] = answer }))
            {
                baseStart.Add((await Launch.WaitReadyH2cAsync(ceiling, cancellationToken)).TotalMilliseconds);
                await Task.Delay(settle, cancellationToken);
                baseRss.Add(ceiling.Process.RssBytes() ?? double.NaN);
            }

            await using (var one = await Launch.StartTokenServer(context, "footprint-1app"))
            {
                oneStart.Add((await Launch.WaitReadyzAsync(one, TimeSpan.FromSeconds(60), cancellationToken)).TotalMilliseconds);
                await Task.Delay(settle, cancellationToken);
                oneRss.Add(one.Process.RssBytes() ?? double.NaN);
            }

            await using (var thousand = await Launch.StartTokenServer(context, "footprint-1000apps", many))
            {
                manyStart.Add((await Launch.WaitReadyzAsync(thousand, TimeSpan.FromSeconds(150), cancellationToken)).TotalMilliseconds);
                await Task.Delay(settle, cancellationToken);
                manyRss.Add(thousand.Process.RssBytes() ?? double.NaN);
            }

            BenchContext.Log($"  round {r + 1}: ceiling {baseStart[^1]:0} ms / {baseRss[^1] / 1048576:0} MiB; 1 app {oneStart[^1]:0} ms / {oneRss[^1] / 1048576:0} MiB; {ManyApps} apps {manyStart[^1]:0} ms / {manyRss[^1] / 1048576:0} MiB");
        }

        const double MiB = 1024 * 1024;
        double bs = Stats.Median(baseStart), os = Stats.Median(oneStart), ms = Stats.Median(manyStart);
        double br = Stats.Median(baseRss) / MiB, or = Stats.Median(oneRss) / MiB, mr = Stats.Median(manyRss) / MiB;
        var how = $"median of {reps} process starts; RSS read {settle.TotalSeconds:0} s after ready (VmRSS)";
        results.Add(new ResultRow(Name, "startup to /readyz 200, 1 app", os, "ms", bs, "constant-answer Kestrel process to first 200", Stats.Ratio(os, bs), Note: how + "; includes the first token fetch from the embedded simulator"));
        results.Add(new ResultRow(Name, "idle RSS, 1 app", or, "MiB", br, "constant-answer Kestrel process", Stats.Ratio(or, br), Note: "server GC"));
        results.Add(new ResultRow(Name, $"startup to /readyz 200, {ManyApps:#,0} apps", ms, "ms", os, "1 app", Stats.Ratio(ms, os), Note: $"{ManyApps:#,0} stable-grant apps, each token fetched from the embedded simulator at start"));
        results.Add(new ResultRow(Name, $"RSS with {ManyApps:#,0} apps", mr, "MiB", or, "1 app", Stats.Ratio(mr, or), Note: $"≈ {(mr - or) * 1024 / (ManyApps - 1):0.0} KiB per extra app (simulator state included)"));
    }
}
