using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TokenCenter.Benchmarks;

// Usage: TokenCenter.Benchmarks [--quick] [--artifacts DIR] [--out FILE.json]
// Runs the TokenClient hot-path micro-benchmarks in process (no generated project to build), with a short job
// so that the whole set fits the benchmark run's time budget, and writes one JSON summary for the
// bench driver: every benchmark's median, allocations per operation and ratio to its category baseline.
var quick = args.Contains("--quick");
var artifacts = Arg("--artifacts") ?? Path.Combine("bench", "results", "bdn");
var output = Arg("--out") ?? Path.Combine(artifacts, "micro.json");

var job = (quick ? Job.Dry : Job.ShortRun.WithIterationCount(5).WithWarmupCount(3))
    .WithToolchain(InProcessEmitToolchain.Instance)
    .WithId(quick ? "Dry" : "Short");
var config = ManualConfig.CreateEmpty()
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
    .AddLogger(ConsoleLogger.Default)
    .AddExporter(MarkdownExporter.GitHub)
    .WithArtifactsPath(artifacts)
    .WithOptions(ConfigOptions.DisableLogFile);

// The client hot path needs a running TokenServer and redis-server (TC_BENCH_GRPC, TC_BENCH_REDIS).
// (The benchmarks of the retired wire layer's framing and unary calls are gone with it.)
if (!ClientBenchmarks.IsConfigured)
{
    Console.Error.WriteLine("micro-benchmarks: set TC_BENCH_GRPC (a running TokenServer) and TC_BENCH_REDIS (redis-server) to run the client hot path");
    return 2;
}

var summaries = BenchmarkRunner.Run([typeof(ClientBenchmarks)], config);
var rows = new List<MicroResult>();
foreach (var summary in summaries)
{
    foreach (var report in summary.Reports)
    {
        var bc = report.BenchmarkCase;
        var category = bc.Descriptor.Categories.FirstOrDefault() ?? bc.Descriptor.Type.Name;
        var median = report.ResultStatistics?.Median;
        var allocated = report.GcStats.GetBytesAllocatedPerOperation(bc);
        rows.Add(new MicroResult(bc.Descriptor.Type.Name, category, bc.Descriptor.WorkloadMethodDisplayInfo.Trim('\''), bc.Descriptor.Baseline, median, allocated, null));
    }
}

var withRatios = rows.Select(r =>
{
    var baseline = rows.FirstOrDefault(b => b.Class == r.Class && b.Category == r.Category && b.IsBaseline);
    double? ratio = baseline?.MedianNs is > 0 && r.MedianNs is { } m ? m / baseline.MedianNs.Value : null;
    return r with { Ratio = ratio };
}).ToList();

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new { job = job.Id, results = withRatios }, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"micro-benchmarks: {withRatios.Count} results -> {output}");
return withRatios.Count > 0 && withRatios.All(r => r.MedianNs is not null) ? 0 : 1;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>One micro-benchmark result as the bench driver reads it.</summary>
internal sealed record MicroResult(string Class, string Category, string Method, bool IsBaseline, double? MedianNs, long? AllocatedBytes, double? Ratio);
