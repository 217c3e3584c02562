using System.Text.RegularExpressions;

namespace TokenCenter.Bench.Harness;

/// <summary>Starts the Release processes the network scenarios measure.</summary>
internal static class Launch
{
    public sealed record Started(ChildProcess Process, Uri Grpc, Uri? Web) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    /// <summary>
    /// The Release TokenServer as tests/Interop/run.sh starts it: Development (embedded simulator, the
    /// demo app of appsettings.Development.json), listeners on ports bound at start (0), read from its banner, plus
    /// <paramref name="environment"/>. Not yet ready: wait for /readyz.
    /// </summary>
    public static async Task<Started> StartTokenServer(BenchContext context, string name, IDictionary<string, string?>? environment = null)
    {
        if (!File.Exists(context.TokenServerDll))
        {
            throw new FileNotFoundException($"{context.TokenServerDll} is missing: build TokenServer in Release first (bench/run.sh does)");
        }

        var env = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Listeners__Grpc"] = "http://127.0.0.1:0",
            ["Listeners__Web"] = "http://127.0.0.1:0",
        };
        foreach (var (k, v) in BenchLimits.Settings)
        {
            env[k.Replace(":", "__", StringComparison.Ordinal)] = v;
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            env[k] = v;
        }

        var process = ChildProcess.StartDotnet(context.TokenServerDll, ["--contentRoot", context.TokenServerContentRoot], env, Path.Combine(context.WorkDirectory, name + ".log"));
        try
        {
            // Ports 0: the server binds them at start and its banner says which it got.
            var banner = await process.WaitForLogAsync(TokenServerBanner(), TimeSpan.FromSeconds(60), CancellationToken.None);
            return new Started(process, new Uri(banner.Groups["grpc"].Value + "/"), new Uri(banner.Groups["web"].Value + "/"));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>This driver in serve-constant mode: each route answers its file's bytes (the ceiling).</summary>
    public static async Task<Started> StartConstant(BenchContext context, string name, IReadOnlyDictionary<string, string> routes)
    {
        var args = new List<string> { "serve-constant", "--contentRoot", context.EmptyContentRoot };
        foreach (var (path, file) in routes)
        {
            args.Add("--route");
            args.Add(path + "=" + file);
        }

        var process = ChildProcess.StartDotnet(context.SelfDll, args, new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, Path.Combine(context.WorkDirectory, name + ".log"));
        return await AnnouncedAsync(process);
    }

    /// <summary>This driver in serve-dictionary mode: a minimal Grpc.AspNetCore service answering <paramref name="tokenFile"/>'s Token.</summary>
    public static async Task<Started> StartDictionary(BenchContext context, string name, string tokenFile)
    {
        var process = ChildProcess.StartDotnet(context.SelfDll, ["serve-dictionary", "--token", tokenFile, "--contentRoot", context.EmptyContentRoot],
            new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, Path.Combine(context.WorkDirectory, name + ".log"));
        return await AnnouncedAsync(process);
    }

    /// <summary>The TokenServer startup banner's listener addresses (EventId 100).</summary>
    private static Regex TokenServerBanner() =>
        new(@"gRPC \(HTTP/2\) on (?<grpc>https?://[^\s,]+), web .*? on (?<web>https?://[^\s,]+)");

    private static async Task<Started> AnnouncedAsync(ChildProcess process)
    {
        try
        {
            var line = await process.WaitForLogAsync(new Regex(Regex.Escape(Servers.ServeMode.ListeningLine) + @"(?<url>http://\S+)"), TimeSpan.FromSeconds(60), CancellationToken.None);
            return new Started(process, new Uri(line.Groups["url"].Value.TrimEnd('/') + "/"), null);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for a serve-* child (h2c only) to answer GET /ready.</summary>
    public static Task<TimeSpan> WaitReadyH2cAsync(Started server, CancellationToken cancellationToken) =>
        server.Process.WaitForHttpOkAsync(new Uri(server.Grpc, "ready").ToString(), TimeSpan.FromSeconds(60), cancellationToken, h2c: true);

    /// <summary>Waits for TokenServer's /readyz (200 once every configured key holds a valid token).</summary>
    public static Task<TimeSpan> WaitReadyzAsync(Started server, TimeSpan timeout, CancellationToken cancellationToken) =>
        server.Process.WaitForHttpOkAsync(new Uri(server.Web!, "readyz").ToString(), timeout, cancellationToken);
}
