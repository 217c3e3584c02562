namespace TokenCenter.Bench.Harness;

/// <summary>Run-wide settings: where things are, and whether this is a quick smoke run.</summary>
internal sealed class BenchContext
{
    public required string RepoRoot { get; init; }

    public required string ResultsDirectory { get; init; }

    /// <summary>Tiny durations and repetition counts: checks that every scenario works, figures mean nothing.</summary>
    public bool Quick { get; init; }

    /// <summary>Scratch directory of this run (logs of child processes, h2load request logs).</summary>
    public required string WorkDirectory { get; init; }

    public string TokenServerDll => Path.Combine(RepoRoot, "src", "TokenServer", "bin", "Release", "net10.0", "TokenServer.dll");

    public string TokenServerContentRoot => Path.Combine(RepoRoot, "src", "TokenServer");

    public string BenchmarksDll => Path.Combine(RepoRoot, "bench", "TokenCenter.Benchmarks", "bin", "Release", "net10.0", "TokenCenter.Benchmarks.dll");

    /// <summary>This driver, started again as a child process in a serve-* mode.</summary>
    public string SelfDll => typeof(BenchContext).Assembly.Location;

    /// <summary>An empty directory used as content root, so no appsettings file leaks into a host.</summary>
    public string EmptyContentRoot
    {
        get
        {
            var dir = Path.Combine(WorkDirectory, "empty-content-root");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>Picks the quick or the full value.</summary>
    public T Pick<T>(T quick, T full) => Quick ? quick : full;

    public static void Log(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
