using System.Net.Http.Json;
using System.Text.Json;
using TokenCenter.Bench.Harness;
using TokenCenter.Protocol;
using TokenCenter.Protocol.Client;
using TokenCenter.V1;
using WeChatSimulator;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Issue item 5: a simulated week on a <see cref="ManualClock"/> shared by the simulator and the
/// replica (in process), with the replica restarted at random moments. Business services take a token
/// from GetToken and call WeChat's business API (the simulator's get_api_domain_ip); a rejected token
/// is reported with ForceRefresh, as a real service would. Measures upstream token calls and issued
/// tokens per app per day against the minimum (one per 2 h lifetime = 12 a day), and business-call
/// failures (target 0 with 40001/42001).
/// </summary>
internal sealed class UpstreamEfficiencyScenario : IScenario
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan BusinessEvery = TimeSpan.FromMinutes(5);

    public string Name => "upstream";

    public string Title => "Upstream efficiency over a simulated week (ManualClock, random restarts): token calls per app per day vs one per lifetime";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(90, 300));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        var days = context.Pick(1, 7);
        var restartCount = context.Pick(2, 10);
        (string AppId, string Grant)[] apps =
        [
            (BenchApps.AppId(0x71), "Classic"), (BenchApps.AppId(0x72), "Classic"),
            (BenchApps.AppId(0x73), "Stable"), (BenchApps.AppId(0x74), "Stable"),
        ];
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero));
        await using var simulator = await BenchSimulator.StartAsync(apps.Select(a => a.AppId), clock, cancellationToken);
        // The per-attempt upstream timeout runs on the fake clock: keep it out of reach of the harness's
        // one-minute steps, which may pass while a real loopback call is in flight.
        List<KeyValuePair<string, string?>> config =
        [
            .. BenchApps.Configuration(apps),
            new("TokenCenter:Upstream:BaseUrl", simulator.BaseAddress.ToString()),
            new("TokenCenter:Upstream:Timeout", "1.00:00:00"),
        ];

        var totalSteps = (int)(TimeSpan.FromDays(days) / Step);
        var random = new Random(20261121);
        var restartAt = Enumerable.Range(0, restartCount).Select(_ => random.Next(60, totalSteps)).ToHashSet();
        using var business = new HttpClient { BaseAddress = simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var server = await InProcessTokenServer.StartAsync(context, config, clock, cancellationToken);
        var failures = new Dictionary<int, int>();
        long businessCalls = 0, forced = 0;
        var restarts = 0;
        try
        {
            for (var step = 0; step < totalSteps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (restartAt.Contains(step))
                {
                    await server.DisposeAsync();
                    server = await InProcessTokenServer.StartAsync(context, config, clock, cancellationToken);
                    restarts++;
                }

                if (step % (int)(BusinessEvery / Step) == 0)
                {
                    foreach (var (appId, _) in apps)
                    {
                        var token = await server.GetTokenAsync(appId, cancellationToken);
                        businessCalls++;
                        var errcode = await BusinessCallAsync(business, token.Value, cancellationToken);
                        if (errcode != 0)
                        {
                            failures[errcode] = failures.GetValueOrDefault(errcode) + 1;
                            forced++;
                            await server.Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = BenchApps.Key(appId), StaleValue = token.Value }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken));
                        }
                    }
                }

                clock.Advance(Step);
                await Task.Yield();
            }
        }
        finally
        {
            await server.DisposeAsync();
        }

        var minimumPerDay = TimeSpan.FromDays(1) / simulator.Sim.Options.TokenLifetime;
        foreach (var grant in new[] { "Classic", "Stable" })
        {
            var ofGrant = apps.Where(a => a.Grant == grant).Select(a => a.AppId).ToArray();
            var counts = ofGrant.Select(a => BenchSimulator.Count(simulator, a)).ToArray();
            var callsPerDay = counts.Average(c => c.Calls) / days;
            var issuedPerDay = counts.Average(c => c.Issued) / days;
            var note = $"{ofGrant.Length} apps, {days} simulated days, {restarts} restarts (in-memory store: a restarted replica fetches again)";
            results.Add(new ResultRow(Name, $"{grant}: upstream token calls per app per day", callsPerDay, "calls", minimumPerDay, "minimum: one per 2 h lifetime", Stats.Ratio(callsPerDay, minimumPerDay), Note: note));
            results.Add(new ResultRow(Name, $"{grant}: tokens issued per app per day", issuedPerDay, "tokens", minimumPerDay, "minimum", Stats.Ratio(issuedPerDay, minimumPerDay), Note: "refresh ahead of expiry (Refresh:Ahead + jitter) shortens each token's use a little"));
        }

        var rejected = failures.GetValueOrDefault(40001) + failures.GetValueOrDefault(42001);
        var others = failures.Where(f => f.Key is not (40001 or 42001)).Sum(f => f.Value);
        results.Add(new ResultRow(
            Name,
            "business calls failing with 40001/42001",
            rejected,
            "calls",
            businessCalls,
            "business calls made",
            businessCalls > 0 ? (double)rejected / businessCalls : null,
            "0",
            rejected == 0 && others == 0 ? "ok" : "miss",
            $"other errcodes: {(others == 0 ? "none" : string.Join(", ", failures.Select(f => $"{f.Key} x{f.Value}")))}; ForceRefresh calls made: {forced}"));
    }

    private static async Task<int> BusinessCallAsync(HttpClient http, string token, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("cgi-bin/get_api_domain_ip?access_token=" + Uri.EscapeDataString(token), cancellationToken);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return json.TryGetProperty("errcode", out var e) ? e.GetInt32() : 0;
    }
}
