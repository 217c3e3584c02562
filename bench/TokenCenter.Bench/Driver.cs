using System.Diagnostics;
using TokenCenter.Bench.Harness;
using TokenCenter.Bench.Scenarios;

namespace TokenCenter.Bench;

/// <summary>Runs the scenarios one after the other, each under its cap, and writes the report.</summary>
internal static class Driver
{
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new GetTokenThroughputScenario(),
        new OfficialStackScenario(),
        new RedisStoreScenario(),
        new MicroBenchmarksScenario(),
        new RefreshStormScenario(),
        new PropagationScenario(),
        new UpstreamEfficiencyScenario(),
        new FootprintScenario(),
        new PlatformScenario(),
        new TokenClientScenario(),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var repo = Path.GetFullPath(Option(args, "--repo") ?? FindRepoRoot());
        var quick = args.Contains("--quick");
        var results = Path.GetFullPath(Option(args, "--results") ?? Path.Combine(repo, "bench", "results"));
        var only = Option(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var work = Path.Combine(Path.GetTempPath(), $"tokencenter-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var context = new BenchContext { RepoRoot = repo, ResultsDirectory = results, Quick = quick, WorkDirectory = work };
        var shown = args.Where((a, i) => a != "--repo" && (i == 0 || args[i - 1] != "--repo")).ToArray();
        var command = "bash bench/run.sh" + (shown.Length > 0 ? " " + string.Join(' ', shown) : "");

        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var machine = MachineInfo.Describe(repo);
        BenchContext.Log($"machine: {machine.Cpu}, {machine.LogicalCores} cores, {machine.Memory}, {machine.Dotnet}; load {machine.LoadAverage}");
        var rows = new List<ResultRow>();
        var runs = new List<Report.ScenarioRun>();
        foreach (var scenario in All.Where(s => only is null || only.Contains(s.Name)))
        {
            var cap = scenario.Cap(context);
            BenchContext.Log($"scenario {scenario.Name}: {scenario.Title} (cap {cap.TotalSeconds:0} s)");
            var scenarioRows = new List<ResultRow>();
            var watch = Stopwatch.StartNew();
            string outcome;
            using var cts = new CancellationTokenSource(cap);
            var run = scenario.RunAsync(context, scenarioRows, cts.Token);
            try
            {
                await run.WaitAsync(cap + TimeSpan.FromSeconds(30));
                outcome = scenarioRows.Any(r => r.Status == "error") ? "completed with errors" : "completed";
            }
            catch (Exception) when (cts.IsCancellationRequested || !run.IsCompleted)
            {
                outcome = $"stopped at its cap of {cap.TotalSeconds:0} s";
                scenarioRows.Add(ResultRow.Error(scenario.Name, "(scenario)", outcome + "; rows above were measured before"));
            }
            catch (Exception ex)
            {
                outcome = "failed: " + ex.GetType().Name;
                scenarioRows.Add(ResultRow.Error(scenario.Name, "(scenario)", $"{ex.GetType().Name}: {ex.Message}"));
                BenchContext.Log($"scenario {scenario.Name} failed: {ex}");
            }

            lock (scenarioRows)
            {
                rows.AddRange(scenarioRows);
            }

            runs.Add(new Report.ScenarioRun(scenario.Name, scenario.Title, Math.Round(watch.Elapsed.TotalSeconds, 1), outcome));
            foreach (var r in scenarioRows)
            {
                BenchContext.Log($"  {r.Metric}: {(r.Value is { } v ? Report.Format(v) + " " + r.Unit : "-")}{(r.Ratio is { } q ? $" (ratio {q:0.00})" : "")} [{r.Status}] {r.Note}");
            }

            // Partial results survive a later crash or a kill.
            await Report.WriteAsync(context, machine, command, started, clock.Elapsed, runs, rows);
        }

        await Report.WriteAsync(context, machine, command, started, clock.Elapsed, runs, rows);
        BenchContext.Log($"wrote {Path.Combine(results, "latest.md")} and latest.json ({clock.Elapsed.TotalMinutes:0.0} min)");
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
        }

        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TokenCenter.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the repository or pass --repo");
    }
}
