using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TokenCenter.Bench.Harness;

/// <summary>
/// Drives a gRPC unary method with h2load (nghttp2-client): h2c with prior knowledge, POST of a file
/// holding the framed request, per-request log for latency percentiles. h2load counts HTTP status only,
/// so callers check the answer's grpc-status with a real client before and after a run.
/// </summary>
internal static partial class H2Load
{
    /// <summary><paramref name="DataBytes"/>: DATA bytes received; per request it must match the answer's size (a refusal has none).</summary>
    public sealed record Result(double RequestsPerSecond, long Succeeded, long Failed, double P50Ms, double P99Ms, long Logged, long DataBytes);

    public sealed record Load(int Clients, int StreamsPerClient, int Seconds, int WarmupSeconds);

    public static bool IsInstalled(out string version)
    {
        version = "";
        try
        {
            using var p = Process.Start(new ProcessStartInfo("h2load", "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            version = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public static async Task<Result> RunAsync(string url, string requestFile, Load load, string logFile, CancellationToken cancellationToken)
    {
        string[] args =
        [
            "-c", load.Clients.ToString(CultureInfo.InvariantCulture),
            "-m", load.StreamsPerClient.ToString(CultureInfo.InvariantCulture),
            "-t", "1",
            "-D", load.Seconds.ToString(CultureInfo.InvariantCulture),
            "--warm-up-time", load.WarmupSeconds.ToString(CultureInfo.InvariantCulture),
            "-d", requestFile,
            "-H", "content-type: application/grpc",
            "-H", "te: trailers",
            "--log-file", logFile,
            url,
        ];
        var info = new ProcessStartInfo("h2load") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        File.Delete(logFile);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        var output = await stdout + await stderr;
        var rps = RequestsPerSecond().Match(output);
        var requests = Requests().Match(output);
        if (process.ExitCode != 0 || !rps.Success || !requests.Success)
        {
            throw new InvalidOperationException($"h2load failed (exit {process.ExitCode}): {output.Trim().Replace('\n', ' ')}");
        }

        // Per-request log: start time (µs since epoch) \t HTTP status \t duration (µs).
        var latencies = new List<double>();
        foreach (var line in File.ReadLines(logFile))
        {
            var parts = line.Split('\t');
            if (parts.Length >= 3 && parts[1] == "200" && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var us))
            {
                latencies.Add(us / 1000.0);
            }
        }

        File.Delete(logFile);
        return new Result(
            double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            long.Parse(requests.Groups["succeeded"].Value, CultureInfo.InvariantCulture),
            long.Parse(requests.Groups["failed"].Value, CultureInfo.InvariantCulture) + long.Parse(requests.Groups["errored"].Value, CultureInfo.InvariantCulture),
            Stats.Percentile(latencies, 50),
            Stats.Percentile(latencies, 99),
            latencies.Count,
            Traffic().Match(output) is { Success: true } t ? long.Parse(t.Groups[1].Value, CultureInfo.InvariantCulture) : -1);
    }

    [GeneratedRegex(@"\((\d+)\) data")]
    private static partial Regex Traffic();

    [GeneratedRegex(@"finished in [^,]+, ([0-9.]+) req/s")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored")]
    private static partial Regex Requests();
}
