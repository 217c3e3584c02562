using System.Text;
using System.Text.Json;
using TokenCenter.Bench.Harness;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Issue item 2: the BenchmarkDotNet project (bench/TokenCenter.Benchmarks) as a child process with a
/// short job: frame encode/decode and a whole unary call in memory (TestServer), allocations per call.
/// Its GitHub-flavoured tables are copied to results/latest-micro.md.
/// </summary>
internal sealed class MicroBenchmarksScenario : IScenario
{
    public string Name => "micro";

    public string Title => "Micro-benchmarks (BenchmarkDotNet, in-process toolchain, short job): framing, in-memory unary calls, TokenClient cached read vs dictionary and Redis GET";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(120, 420));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        if (!File.Exists(context.BenchmarksDll))
        {
            throw new FileNotFoundException($"{context.BenchmarksDll} is missing: build bench/TokenCenter.Benchmarks in Release first");
        }

        var artifacts = Path.Combine(context.WorkDirectory, "bdn");
        var summary = Path.Combine(artifacts, "micro.json");
        List<string> args = ["--artifacts", artifacts, "--out", summary];
        if (context.Quick)
        {
            args.Add("--quick");
        }

        // The client hot path (ClientBenchmarks) reads through a running replica and a redis-server.
        var environment = new Dictionary<string, string?>();
        await using var server = await Launch.StartTokenServer(context, "micro-client-server");
        await using var redis = Capabilities.RedisUnavailableReason() is null ? await RedisServer.StartAsync(context, cancellationToken) : null;
        await Launch.WaitReadyzAsync(server, TimeSpan.FromSeconds(60), cancellationToken);
        if (redis is not null)
        {
            environment["TC_BENCH_GRPC"] = server.Grpc.ToString();
            environment["TC_BENCH_REDIS"] = redis.Configuration;
        }
        else
        {
            results.Add(ResultRow.Skip(Name, "TokenClient cached read", "redis-server is not installed (apt-get install redis-server)"));
        }

        await using (var process = ChildProcess.StartDotnet(context.BenchmarksDll, args, environment, Path.Combine(context.WorkDirectory, "micro.log")))
        {
            while (!process.HasExited)
            {
                await Task.Delay(250, cancellationToken);
            }
        }

        if (!File.Exists(summary))
        {
            throw new InvalidOperationException("BenchmarkDotNet wrote no summary; see its log");
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(summary, cancellationToken));
        var job = json.RootElement.GetProperty("job").GetString();
        foreach (var r in json.RootElement.GetProperty("results").EnumerateArray())
        {
            var category = r.GetProperty("Category").GetString();
            var method = r.GetProperty("Method").GetString();
            var isBaseline = r.GetProperty("IsBaseline").GetBoolean();
            double? median = r.GetProperty("MedianNs").ValueKind == JsonValueKind.Number ? r.GetProperty("MedianNs").GetDouble() : null;
            long? allocated = r.GetProperty("AllocatedBytes").ValueKind == JsonValueKind.Number ? r.GetProperty("AllocatedBytes").GetInt64() : null;
            double? ratio = r.GetProperty("Ratio").ValueKind == JsonValueKind.Number ? r.GetProperty("Ratio").GetDouble() : null;
            var baseline = json.RootElement.GetProperty("results").EnumerateArray()
                .FirstOrDefault(b => b.GetProperty("Category").GetString() == category && b.GetProperty("IsBaseline").GetBoolean());
            double? baselineNs = baseline.ValueKind == JsonValueKind.Object && baseline.GetProperty("MedianNs").ValueKind == JsonValueKind.Number ? baseline.GetProperty("MedianNs").GetDouble() : null;
            long? baselineAlloc = baseline.ValueKind == JsonValueKind.Object && baseline.GetProperty("AllocatedBytes").ValueKind == JsonValueKind.Number ? baseline.GetProperty("AllocatedBytes").GetInt64() : null;
            var baselineName = baseline.ValueKind == JsonValueKind.Object ? baseline.GetProperty("Method").GetString() : null;
            if (median is null)
            {
                results.Add(ResultRow.Error(Name, $"{category}: {method}", "no measurement (see the BenchmarkDotNet log)"));
                continue;
            }

            var (value, unit, scale) = median >= 10_000 ? (median.Value / 1000, "µs", 1000.0) : (median.Value, "ns", 1.0);
            results.Add(new ResultRow(
                Name,
                $"{category}: {method}" + (isBaseline ? " (baseline)" : ""),
                value,
                unit,
                baselineNs / scale,
                isBaseline ? null : baselineName,
                ratio,
                Note: $"median, job {job}; allocated {allocated?.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture) ?? "?"} B/op"));
            if (category == "TokenClient cached read" && method is not null && method.StartsWith("GetAccessTokenAsync", StringComparison.Ordinal))
            {
                // Issue "TokenClient": a cached read within 2x a dictionary lookup, allocating nothing.
                var met = ratio <= 2.0 && allocated == 0;
                results[^1] = results[^1] with
                {
                    Target = "ratio ≤ 2, 0 B allocated",
                    Status = met ? "ok" : "miss",
                    Note = results[^1].Note + (met ? string.Empty : ratio > 2.0 ? "; slower than 2x the dictionary lookup" : "; allocates on the cached path"),
                };
            }

            if (!isBaseline && category is not null && category.Contains("unary", StringComparison.OrdinalIgnoreCase) && allocated is not null)
            {
                results.Add(new ResultRow(Name, $"{category}: allocated per call", allocated, "B", baselineAlloc, baselineName, baselineAlloc > 0 ? (double)allocated / baselineAlloc : null, Note: "MemoryDiagnoser, managed bytes per operation, client and server together"));
            }
        }

        var tables = new StringBuilder("# TokenClient micro-benchmarks (BenchmarkDotNet)\n\n");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(artifacts, "results"), "*-report-github.md").Order())
        {
            tables.AppendLine(await File.ReadAllTextAsync(file, cancellationToken)).AppendLine();
        }

        Directory.CreateDirectory(context.ResultsDirectory);
        await File.WriteAllTextAsync(Path.Combine(context.ResultsDirectory, "latest-micro.md"), tables.ToString(), cancellationToken);
    }
}
