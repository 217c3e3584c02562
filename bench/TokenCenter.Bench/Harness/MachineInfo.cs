using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TokenCenter.Bench.Harness;

/// <summary>What the figures were measured on.</summary>
internal sealed record MachineInfo(string Cpu, int LogicalCores, string Memory, string Os, string Dotnet, string H2Load, string LoadAverage, string Commit)
{
    public static MachineInfo Describe(string repoRoot)
    {
        var cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = ReadFirst("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var memory = long.TryParse(memKb, out var kb) ? $"{kb / 1024.0 / 1024.0:0.0} GiB" : "unknown";
        var os = ReadFirst("/etc/os-release", "PRETTY_NAME")?.Trim('"') ?? RuntimeInformation.OSDescription;
        var load = CurrentLoad();
        H2LoadVersion(out var h2load);
        return new MachineInfo(
            cpu,
            Environment.ProcessorCount,
            memory,
            $"{os} (kernel {Environment.OSVersion.Version}, {RuntimeInformation.OSArchitecture})",
            $"{RuntimeInformation.FrameworkDescription} (SDK {Run("dotnet", "--version", repoRoot)})",
            h2load,
            load,
            Run("git", "rev-parse --short HEAD", repoRoot));
    }

    /// <summary>1, 5 and 15 minute load averages (Linux), a measure of how noisy the machine is.</summary>
    public static string CurrentLoad() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static void H2LoadVersion(out string version)
    {
        if (!Harness.H2Load.IsInstalled(out version))
        {
            version = "not installed";
        }
    }

    private static string? ReadFirst(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            var sep = line.IndexOfAny([':', '=']);
            if (sep > 0 && line[..sep].Trim() == key)
            {
                return line[(sep + 1)..].Trim();
            }
        }

        return null;
    }

    private static string Run(string file, string args, string directory)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory })!;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
