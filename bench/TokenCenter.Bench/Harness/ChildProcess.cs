using System.Diagnostics;

namespace TokenCenter.Bench.Harness;

/// <summary>
/// A process this driver started (a Release TokenServer, a baseline server, redis-server): output
/// goes to a log file, and it is killed by its own id when disposed.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private static readonly HttpClient Http2 = new()
    {
        Timeout = TimeSpan.FromSeconds(2),
        DefaultRequestVersion = System.Net.HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(Process process, StreamWriter log, string logPath, long startedAt)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
        StartedAt = startedAt;
    }

    public int Id => _process.Id;

    public string LogPath { get; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> just before the process was started.</summary>
    public long StartedAt { get; }

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IDictionary<string, string?> environment, string logPath, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        var started = Stopwatch.GetTimestamp();
        process.Start();
        var child = new ChildProcess(process, log, logPath, started);
        process.OutputDataReceived += (_, e) => child.Write(e.Data);
        process.ErrorDataReceived += (_, e) => child.Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Starts <c>dotnet DLL args</c>.</summary>
    public static ChildProcess StartDotnet(string dll, IEnumerable<string> arguments, IDictionary<string, string?> environment, string logPath) =>
        Start("dotnet", [dll, .. arguments], environment, logPath);

    /// <summary>
    /// Waits until the log holds a line matching <paramref name="pattern"/> (e.g. the address a server
    /// bound with port 0 prints once it listens) and returns the match.
    /// </summary>
    public async Task<System.Text.RegularExpressions.Match> WaitForLogAsync(System.Text.RegularExpressions.Regex pattern, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string text;
            try
            {
                using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                text = await reader.ReadToEndAsync(cancellationToken);
            }
            catch (IOException)
            {
                text = string.Empty;
            }

            if (pattern.Match(text) is { Success: true } match)
            {
                return match;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"process exited with code {_process.ExitCode} before logging /{pattern}/; log: {Tail()}");
            }

            await Task.Delay(20, cancellationToken);
        }

        throw new TimeoutException($"no log line /{pattern}/ within {timeout}; log: {Tail()}");
    }

    /// <summary>Polls <paramref name="url"/> until it answers 200; returns the elapsed time since start.</summary>
    public async Task<TimeSpan> WaitForHttpOkAsync(string url, TimeSpan timeout, CancellationToken cancellationToken, bool h2c = false)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"process exited with code {_process.ExitCode} before {url} answered; log: {Tail()}");
            }

            try
            {
                using var response = await (h2c ? Http2 : Http).GetAsync(url, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return Stopwatch.GetElapsedTime(StartedAt);
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(20, cancellationToken);
        }

        throw new TimeoutException($"{url} did not answer 200 within {timeout}; log: {Tail()}");
    }

    /// <summary>Resident set size in bytes (Linux /proc), or null elsewhere.</summary>
    public long? RssBytes() => StatusBytes("VmRSS:");

    /// <summary>Peak resident set size so far in bytes (VmHWM, Linux /proc), or null elsewhere.</summary>
    public long? PeakRssBytes() => StatusBytes("VmHWM:");

    /// <summary>CPU time (user + system) used so far, in seconds (Linux /proc), or null elsewhere.</summary>
    public double? CpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
            var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return ticks / 100.0; // USER_HZ
        }
        catch (IOException)
        {
            return null;
        }
    }

    private long? StatusBytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var kb = long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                    return kb * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>Last lines of the log, for error rows.</summary>
    public string Tail(int lines = 5)
    {
        try
        {

            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(" | ", all.TakeLast(lines)).Trim();
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
