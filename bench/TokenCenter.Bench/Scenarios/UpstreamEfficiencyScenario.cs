using System.Net.Http.Json;
using System.Text.Json;
using TokenCenter.Bench.Harness;
using TokenCenter.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
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

    // Refresh:Ahead (classic) and Refresh:StableAhead defaults: below these a refresh is due.
    private static readonly TimeSpan ClassicLead = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan StableLead = TimeSpan.FromMinutes(3);

    public string Name => "upstream";

    public string Title => "Upstream efficiency over a simulated week (ManualClock, random restarts): token calls per app per day vs one per lifetime";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(90, 300));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        await RunWeekAsync(context, null, results, cancellationToken);
        if (Capabilities.RedisUnavailableReason() is { } why)
        {
            results.Add(ResultRow.Skip(Name, "Redis store: upstream token calls per app per day", why));
            return;
        }

        await using var redis = await RedisServer.StartAsync(context, cancellationToken);
        await RunWeekAsync(context, redis, results, cancellationToken);
    }

    private async Task RunWeekAsync(BenchContext context, RedisServer? redis, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        var store = redis is null ? "in-memory store" : "Redis store";
        var days = context.Pick(1, 7);
        var restartCount = context.Pick(2, 10);
        (string AppId, string Grant)[] apps =
        [
            (BenchApps.AppId(0x71), "Classic"), (BenchApps.AppId(0x72), "Classic"),
            (BenchApps.AppId(0x73), "Stable"), (BenchApps.AppId(0x74), "Stable"),
        ];
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero));
        await using var simulator = await BenchSimulator.StartAsync(apps.Select(a => a.AppId), clock, cancellationToken);
        List<KeyValuePair<string, string?>> config =
        [
            .. BenchApps.Configuration(apps),
            new("TokenCenter:Upstream:BaseUrl", simulator.BaseAddress.ToString()),
        ];
        if (redis is not null)
        {
            config.Add(new("Redis:Configuration", redis.Configuration));
        }

        var totalSteps = (int)(TimeSpan.FromDays(days) / Step);
        var random = new Random(20261121);
        var restartAt = Enumerable.Range(0, restartCount).Select(_ => random.Next(60, totalSteps)).ToHashSet();
        using var business = new HttpClient { BaseAddress = simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var inFlight = new UpstreamInFlight();
        var server = await BenchServer.StartAsync(context, config, clock, cancellationToken, inFlight.Register);
        var stalls = 0;
        var failures = new Dictionary<int, int>();
        long businessCalls = 0, forced = 0;
        var restarts = 0;
        var lastRestartStep = 0;
        var details = new List<string>();
        try
        {
            for (var step = 0; step < totalSteps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (restartAt.Contains(step))
                {
                    await server.DisposeAsync();
                    server = await BenchServer.StartAsync(context, config, clock, cancellationToken, inFlight.Register);
                    restarts++;
                    lastRestartStep = step;
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
                            var grant = apps.First(a => a.AppId == appId).Grant;
                            details.Add($"{errcode} for a {grant} app at minute {step} ({step - lastRestartStep} min after {(restarts == 0 ? "start" : "restart " + restarts)}), token version {token.Version}");
                            forced++;
                            await server.Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = BenchApps.Key(appId), StaleValue = token.Value }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken));
                        }
                    }
                }

                // Simulated time only moves when the replica is quiet: a refresh that is due has landed
                // and no WeChat call is in flight (otherwise a fast-moving fake clock would age tokens
                // while real loopback I/O is under way, which no real deployment sees).
                foreach (var (appId, grant) in apps)
                {
                    if (!await RefreshedIfDueAsync(server, clock, appId, grant == "Stable" ? StableLead : ClassicLead, cancellationToken))
                    {
                        stalls++;
                    }
                }

                clock.Advance(Step);
                await Task.Yield();
                if (!await inFlight.WaitIdleAsync(TimeSpan.FromSeconds(10), cancellationToken))
                {
                    stalls++;
                }
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
            var note = $"{ofGrant.Length} apps, {days} simulated days, {restarts} restarts, {stalls} harness waits timed out"
                + (redis is null ? " (in-memory store: a restarted replica fetches again)" : " (a restarted replica loads the stored token)")
                + (redis is not null && BenchServer.WiredRedisItself ? "; the bench registered the Redis store itself (AddRedisTokenStore), AddTokenServer does not wire it yet" : "");
            results.Add(new ResultRow(Name, $"{store}, {grant}: upstream token calls per app per day", callsPerDay, "calls", minimumPerDay, "minimum: one per 2 h lifetime", Stats.Ratio(callsPerDay, minimumPerDay), Note: note));
            results.Add(new ResultRow(Name, $"{store}, {grant}: tokens issued per app per day", issuedPerDay, "tokens", minimumPerDay, "minimum", Stats.Ratio(issuedPerDay, minimumPerDay), Note: "refresh ahead of expiry (Refresh:Ahead + jitter) shortens each token's use a little"));
        }

        var rejected = failures.GetValueOrDefault(40001) + failures.GetValueOrDefault(42001);
        var others = failures.Where(f => f.Key is not (40001 or 42001)).Sum(f => f.Value);
        results.Add(new ResultRow(
            Name,
            $"{store}: business calls failing with 40001/42001",
            rejected,
            "calls",
            businessCalls,
            "business calls made",
            businessCalls > 0 ? (double)rejected / businessCalls : null,
            "0",
            rejected == 0 && others == 0 ? "ok" : "miss",
            $"other errcodes: {(others == 0 ? "none" : string.Join(", ", failures.Select(f => $"{f.Key} x{f.Value}")))}; ForceRefresh calls made: {forced}{(details.Count > 0 ? "; first failures: " + string.Join("; ", details.Take(3)) : "")}"));
    }

    /// <summary>When less than the grant's refresh lead remains, waits (real time, bounded) until a fresh token is served.</summary>
    private static async Task<bool> RefreshedIfDueAsync(TestServerHost server, ManualClock clock, string appId, TimeSpan lead, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var token = await server.GetTokenAsync(appId, cancellationToken);
            if (token.ExpiresAt.ToDateTimeOffset() - clock.GetUtcNow() >= lead)
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    private static async Task<int> BusinessCallAsync(HttpClient http, string token, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("cgi-bin/get_api_domain_ip?access_token=" + Uri.EscapeDataString(token), cancellationToken);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return json.TryGetProperty("errcode", out var e) ? e.GetInt32() : 0;
    }
}
