using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Bench.Harness;
using TokenCenter.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform;
using TokenCenter.V1;
using WeChatSimulator;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Issue "Third-party platform": one Release replica holding 100,000 authorizer tokens. The authorizers
/// are authorized in an external simulator (api_query_auth answers their refresh tokens) and stored in a
/// throw-away Redis the way TokenServer.Platform.Tests' scale test seeds them (record with the encrypted
/// refresh token, token obtained over the last lifetime, due time in the shared due set). The replica (the demo
/// component and app of appsettings.Development.json, upstream = the simulator) then loads every
/// authorizer slot on first GetToken. Figures: peak RSS (target ≤ 300 MB), CPU, upstream
/// api_authorizer_token calls per hour, and GetToken of an authorizer token vs a direct app token on
/// the same replica (target ratio ≥ 0.9).
/// </summary>
internal sealed class PlatformScenario : IScenario
{
    // The demo component, app and encryption key of src/TokenServer/appsettings.Development.json.
    private const string Component = "wx00000000000000c0";
    private const string ComponentSecret = "demo-component-secret-for-the-embedded-simulator";
    private const string VerifyToken = "demo-callback-token";
    private const string AesKey = "TiGRH8cnPzx+v+aaW/02L2AyheULYfAAalQfPYb7qzQ";
    private const string EncryptionKey = "I2e+2vl6/u+a9H6O5XqvdLUYxZ8mXcWnXPMMs30XRRs=";
    private const string DemoSecret = "demo-secret-for-the-embedded-simulator";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);
    // The server's default refresh window (TokenCenter:Platform:AuthorizerAhead / AuthorizerJitter): the replica runs with it.
    private static readonly TimeSpan Ahead = new PlatformSettings().AuthorizerAhead;
    private static readonly TimeSpan Jitter = new PlatformSettings().AuthorizerJitter;

    public string Name => "platform";

    public string Title => "Third-party platform: one replica holding 100,000 authorizer tokens (Redis): peak RSS, CPU, upstream calls per hour, GetToken authorizer vs direct";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(180, 900));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("TC_BENCH_AUTHORIZERS"), out var n) && n > 0 ? n : context.Pick(2_000, 100_000);
        if (Capabilities.RedisUnavailableReason() is { } why)
        {
            results.Add(ResultRow.Skip(Name, $"{count:#,0} authorizers: peak RSS", why));
            return;
        }

        await using var redis = await RedisServer.StartAsync(context, cancellationToken);
        var options = new SimulatorOptions { DailyQuota = 10_000_000, StableMinuteLimit = 1_000_000, StableDailyLimit = 10_000_000 };
        options.Apps.Add(new SimulatedApp(BenchApps.DemoAppId, DemoSecret));
        options.Components.Add(new SimulatedComponent(Component, ComponentSecret, VerifyToken, AesKey));
        await using var simulator = await SimulatorHost.StartAsync(options, TimeProvider.System, cancellationToken);
        var sim = simulator.Sim;

        // Seed: authorize every account in the simulator (api_query_auth answers its refresh token) and store it
        // through the server's own stores on the shared Redis, as a running system holds them.
        var seedWatch = Stopwatch.StartNew();
        var apps = Enumerable.Range(0, count).Select(i => "wx" + (0xa000_0000_0000_0000UL + (ulong)i).ToString("x16", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        await SeedAsync(redis.Configuration, simulator, apps, cancellationToken);
        var seedSeconds = seedWatch.Elapsed.TotalSeconds;
        BenchContext.Log($"  seeded {count:#,0} authorizers in {seedSeconds:0.0} s");

        await using var replica = await Launch.StartTokenServer(context, "platform-replica", new Dictionary<string, string?>
        {
            ["Simulator__Enabled"] = "false",
            ["Redis__Configuration"] = redis.Configuration,
            ["TokenCenter__Upstream__BaseUrl"] = simulator.BaseAddress.ToString(),
        });
        await Launch.WaitReadyzAsync(replica, TimeSpan.FromSeconds(60), cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var readyRss = replica.Process.RssBytes() ?? 0;
        var cpu0 = replica.Process.CpuSeconds() ?? 0;
        var calls0 = AuthorizerCalls(sim, apps);

        // Every authorizer slot loaded into the replica by a first GetToken (as callers would after a restart).
        using var channel = GrpcChannel.ForAddress(replica.Grpc);
        var next = -1;
        var errors = 0;
        string? firstError = null;
        var loadWatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < apps.Length)
            {
                try
                {
                    await channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = AuthorizerKey(apps[i]) }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken));
                }
                catch (RpcException ex)
                {
                    Interlocked.Increment(ref errors);
                    firstError ??= ex.Status.ToString();
                }
            }
        }));
        var loadSeconds = loadWatch.Elapsed.TotalSeconds;
        var cpu1 = replica.Process.CpuSeconds() ?? 0;
        var loadedRss = replica.Process.RssBytes() ?? 0;
        BenchContext.Log($"  loaded {count:#,0} slots in {loadSeconds:0.0} s ({errors} errors), RSS {loadedRss / 1048576.0:0} MiB");

        // Steady state: the replica holds every token; the scheduler refreshes those falling due.
        var window = TimeSpan.FromSeconds(context.Pick(5, 30));
        var calls1 = AuthorizerCalls(sim, apps);
        var steadyWatch = Stopwatch.StartNew();
        await Task.Delay(window, cancellationToken);
        var calls2 = AuthorizerCalls(sim, apps);
        var cpu2 = replica.Process.CpuSeconds() ?? 0;
        var steadySeconds = steadyWatch.Elapsed.TotalSeconds;

        // GetToken: one authorizer's token vs the direct app's token, same replica, alternating h2load rounds.
        var rowsBefore = results.Count;
        if (H2Load.IsInstalled(out _))
        {
            var authorizerFile = Path.Combine(context.WorkDirectory, "platform-authorizer.bin");
            var directFile = Path.Combine(context.WorkDirectory, "platform-direct.bin");
            await File.WriteAllBytesAsync(authorizerFile, RawGrpc.Message(new GetTokenRequest { Key = AuthorizerKey(apps[count / 2]) }), cancellationToken);
            await File.WriteAllBytesAsync(directFile, RawGrpc.Message(new GetTokenRequest { Key = BenchApps.Key(BenchApps.DemoAppId) }), cancellationToken);
            var url = new Uri(replica.Grpc, TokenCenterMethods.GetToken.FullName.TrimStart('/'));
            await H2LoadComparison.CompareAsync(context, Name, "GetToken of an authorizer token", url, url, authorizerFile, "ratio ≥ 0.9", 0, results, cancellationToken,
                baselineLabel: "direct app token, same replica", baselineRequestFile: directFile, minimumRatio: 0.9);
        }
        else
        {
            results.Add(ResultRow.Skip(Name, "GetToken of an authorizer token: requests/s", "h2load is not installed (apt-get install nghttp2-client)"));
        }

        var peak = replica.Process.PeakRssBytes() ?? 0;
        const double MiB = 1024 * 1024;
        var peakOk = peak <= 300_000_000;
        var measured = new List<ResultRow>
        {
            new(Name, $"{count:#,0} authorizers: peak RSS of the replica (VmHWM)", peak / MiB, "MiB", readyRss / MiB, "same replica at /readyz, before loading authorizers", Stats.Ratio(peak, readyRss), "≤ 300 MB (286 MiB)", peakOk ? "ok" : "miss",
                $"after loading every slot, {steadySeconds:0} s of steady state and the GetToken load; RSS after loading {loadedRss / MiB:0} MiB (≈ {(loadedRss - readyRss) / 1024.0 / count:0.00} KiB per authorizer); {ReplicaGcMode(context)}"),
            new(Name, $"{count:#,0} authorizers: loading every slot (first GetToken each)", loadSeconds, "s", null, null, null, null, errors == 0 ? "info" : "miss",
                $"32 concurrent callers; replica CPU {cpu1 - cpu0:0.0} s; errors {errors}{(firstError is null ? string.Empty : ", first: " + firstError)}; seeding (simulator + Redis, not the replica) took {seedSeconds:0.0} s"),
            new(Name, $"{count:#,0} authorizers: replica CPU in steady state", (cpu2 - cpu1) / steadySeconds * 100, "% of one core", null, null, null, null, "info",
                $"{steadySeconds:0} s of real time holding every token, the scheduler refreshing those falling due"),
        };
        double perHour = (calls2 - calls1) / steadySeconds * 3600, minimum = count / Lifetime.TotalHours;
        measured.Add(new(Name, $"{count:#,0} authorizers: upstream api_authorizer_token calls per hour, replica in real time", perHour, "calls/h", minimum, "minimum: one per 2 h lifetime", Stats.Ratio(perHour, minimum), Note:
            $"{calls2 - calls1} calls in {steadySeconds:0} s of real time scaled to an hour (noisy: see the simulated-hours row); tokens seeded as a steady state (each due uniformly over the next lifetime minus its lead, the lead {Ahead.TotalMinutes:0} min + up to {Jitter.TotalMinutes:0} min before its expiry, the server defaults), at most 20/s per replica (AuthorizerRefreshRate); calls during loading: {calls1 - calls0}"));

        // The same count over simulated hours (ManualClock, in process): the ratio without real-time noise.
        var hours = context.Pick(3, 6);
        var simulated = await PlatformScheduleSimulation.RunAsync(count, hours, cancellationToken);
        var steady = simulated.CallsPerHour.Skip(2).ToArray();
        var steadyPerHour = steady.Length > 0 ? steady.Average() : simulated.CallsPerHour.Average();
        var worstHour = simulated.CallsPerHour.Max();
        measured.Add(new(Name, $"{count:#,0} authorizers: upstream api_authorizer_token calls per hour, simulated hours", steadyPerHour, "calls/h", minimum, "minimum: one per 2 h lifetime", Stats.Ratio(steadyPerHour, minimum), "≤ 1.05 x the minimum",
            steadyPerHour <= 1.05 * minimum && worstHour <= 1.05 * minimum ? "ok" : "miss",
            $"one replica's scheduler, engine and in-memory stores on a ManualClock, {hours} simulated hours passed once per simulated second (took {simulated.Elapsed.TotalSeconds:0} s); value: mean of hours 3 to {hours}; per hour: {string.Join(", ", simulated.CallsPerHour.Select(c => c.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture)))} (worst {worstHour / minimum:0.000} x, hour 1 is the seeding); "
            + $"window {simulated.Ahead.TotalMinutes:0} min + random(0..{simulated.Jitter.TotalMinutes:0} min) before expiry (defaults), rate {simulated.Rate}/s; refreshes after expiry: {simulated.Late}; seeded as the same steady state"));
        for (var i = 0; i < measured.Count; i++)
        {
            results.Insert(rowsBefore + i, measured[i]);
        }
    }

    /// <summary>The replica's GC mode, as its runtimeconfig (TokenServer.csproj) sets it; DOTNET_gcServer overrides it.</summary>
    private static string ReplicaGcMode(BenchContext context)
    {
        var config = Path.ChangeExtension(context.TokenServerDll, ".runtimeconfig.json");
        var server = Environment.GetEnvironmentVariable("DOTNET_gcServer") is { } env
            ? env == "1"
            : File.Exists(config) && File.ReadAllText(config).Contains("\"System.GC.Server\": true", StringComparison.Ordinal);
        return server ? "server GC" : "workstation GC";
    }

    private static TokenKey AuthorizerKey(string appId) => new() { Kind = TokenKind.AuthorizerAccessToken, ComponentAppId = Component, AppId = appId };

    private static long AuthorizerCalls(WeChatSim sim, string[] apps) => apps.Sum(a => (long)sim.Calls(a, WeChatSim.AuthorizerTokenEndpoint));

    private static async Task SeedAsync(string redis, SimulatorHost simulator, string[] apps, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = redis,
            // The seeder only (not the replica): 32 writers on a shared, loaded machine must not time out.
            ["Redis:OperationTimeout"] = "00:00:30",
            ["TokenCenter:Upstream:BaseUrl"] = simulator.BaseAddress.ToString(),
            ["TokenCenter:Components:0:ComponentAppId"] = Component,
            ["TokenCenter:Components:0:Secret"] = ComponentSecret,
            ["TokenCenter:Components:0:Token"] = VerifyToken,
            ["TokenCenter:Components:0:EncodingAesKey"] = AesKey,
            ["TokenCenter:Encryption:Keys:0:Id"] = "demo",
            ["TokenCenter:Encryption:Keys:0:Key"] = EncryptionKey,
            ["TokenCenter:Encryption:ActiveKeyId"] = "demo",
            ["TokenCenter:Platform:AuthorizerAhead"] = Ahead.ToString(),
            ["TokenCenter:Platform:AuthorizerJitter"] = Jitter.ToString(),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        if (!services.AddRedisTokenStore(configuration))
        {
            throw new InvalidOperationException("AddRedisTokenStore did not register the Redis store");
        }

        services.AddTokenEngine(configuration);
        services.AddTokenPlatform(configuration);
        await using var provider = services.BuildServiceProvider();
        var tokens = provider.GetRequiredService<ITokenStore>();

        // The component's token, in the store where the replica finds it (no ticket push needed).
        var sim = simulator.Sim;
        sim.NewVerifyTicket(Component); // generated, as if pushed
        var componentToken = sim.RequestComponentToken(Component, ComponentSecret, sim.LatestVerifyTicket(Component));
        if (componentToken.ErrCode != 0 || componentToken.Credential is null)
        {
            throw new InvalidOperationException($"the simulator refused the component token: errcode {componentToken.ErrCode}");
        }

        var now = DateTimeOffset.UtcNow;
        var key = ComponentTokenSource.KeyOf(Component);
        var version = await tokens.NextVersionAsync(key, cancellationToken);
        await tokens.TryWriteAsync(key, new StoredToken(componentToken.Credential, now + TimeSpan.FromSeconds(componentToken.ExpiresIn), now, version), cancellationToken);

        // Each token obtained over the last lifetime, its refresh due Ahead + up to Jitter before expiry in the shared
        // due set, the refresh token stored encrypted.
        // (AuthorizedAsync would date every token now, and nothing would fall due for half a lifetime.)
        var authorizers = provider.GetRequiredService<TokenCenter.Server.Platform.Storage.IAuthorizerStore>();
        var cipher = provider.GetRequiredService<TokenCenter.Server.Platform.Crypto.SecretCipher>();
        var random = new Random(42);
        // A running system's steady state: each token was obtained when its previous one was a lead of Ahead +
        // random(Jitter) from expiry, so its own refresh is due uniformly over the next (lifetime - lead) and it
        // expires that lead later. Nothing is overdue at the start (a replica back after downtime would find a backlog).
        var plan = apps.Select(_ =>
        {
            var lead = Ahead + (Jitter * random.NextDouble());
            var due = now + ((Lifetime - lead) * random.NextDouble());
            return (Expires: due + lead, Due: due);
        }).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, apps.Length), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var app = apps[i];
            var (_, code) = sim.Authorize(Component, app, null, update: false);
            var answer = sim.QueryAuth(componentToken.Credential, Component, code);
            if (answer.ErrCode != 0 || answer.AccessToken is null || answer.RefreshToken is null)
            {
                throw new InvalidOperationException($"api_query_auth answered {answer.ErrCode} for {app}");
            }

            var (expires, due) = plan[i];
            var slotKey = AuthorizerTokenSource.KeyOf(Component, app);
            await authorizers.SaveAsync(new TokenCenter.Server.Platform.Storage.AuthorizerRecord(Component, app, cipher.Encrypt(answer.RefreshToken, AuthorizerTokenSource.AssociatedData(Component, app)), now, false), ct);
            var tokenVersion = await tokens.NextVersionAsync(slotKey, ct);
            await tokens.TryWriteAsync(slotKey, new StoredToken(answer.AccessToken, expires, expires - Lifetime, tokenVersion), ct);
            await authorizers.ScheduleAsync(new TokenCenter.Server.Platform.Storage.AuthorizerId(Component, app), due, ct);
        });
    }
}
