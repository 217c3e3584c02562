using TokenCenter.Bench.Harness;
using TokenCenter.Protocol;
using TokenCenter.V1;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Issue "Many replicas": GetToken on a Release TokenServer whose store is Redis (<c>Redis:Configuration</c>
/// to a throw-away redis-server on a free port) against the same server on the embedded in-memory store,
/// both measured in this run by alternating h2load rounds. Serving a held token must not touch the
/// store: target requests/s ratio ≥ 0.9.
/// </summary>
internal sealed class RedisStoreScenario : IScenario
{
    public string Name => "redis";

    public string Title => "GetToken with Redis behind the replica vs the embedded in-memory store (h2load, same run)";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(90, 180));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        if (!H2Load.IsInstalled(out _))
        {
            results.Add(ResultRow.Skip(Name, "GetToken (Redis store): requests/s", "h2load is not installed (apt-get install nghttp2-client)"));
            return;
        }

        if (Capabilities.RedisUnavailableReason() is { } why)
        {
            results.Add(ResultRow.Skip(Name, "GetToken (Redis store): requests/s", why));
            return;
        }

        await using var redis = await RedisServer.StartAsync(context, cancellationToken);
        await using var onRedis = await Launch.StartTokenServer(context, "redis-server-replica", new Dictionary<string, string?> { ["Redis__Configuration"] = redis.Configuration });
        await using var embedded = await Launch.StartTokenServer(context, "redis-embedded-replica");
        await Launch.WaitReadyzAsync(onRedis, TimeSpan.FromSeconds(60), cancellationToken);
        await Launch.WaitReadyzAsync(embedded, TimeSpan.FromSeconds(60), cancellationToken);

        var request = new GetTokenRequest { Key = BenchApps.Key(BenchApps.DemoAppId) };
        var requestFile = Path.Combine(context.WorkDirectory, "redis-request.bin");
        await File.WriteAllBytesAsync(requestFile, RawGrpc.Message(request), cancellationToken);
        var path = TokenCenterMethods.GetToken.FullName.TrimStart('/');
        Uri redisUrl = new(onRedis.Grpc, path), embeddedUrl = new(embedded.Grpc, path);
        using var raw = RawGrpc.CreateClient();
        var answer = await RawGrpc.PostAsync(raw, redisUrl, RawGrpc.Message(request), cancellationToken);
        var store = await StoreOfAsync(onRedis, cancellationToken);

        await H2LoadComparison.CompareAsync(
            context, Name, "GetToken (Redis store)", redisUrl, embeddedUrl, requestFile, "ratio ≥ 0.9", answer.Length, results, cancellationToken,
            baselineLabel: "embedded in-memory store", minimumRatio: 0.9);
        if (results.Count > 0 && results[^3].Metric.EndsWith("requests/s", StringComparison.Ordinal))
        {
            results[^3] = results[^3] with { Note = results[^3].Note + $"; store reported by /status: {store}" };
        }
    }

    // The replica says which store it runs on (a build that ignored Redis:Configuration would say "memory").
    private static async Task<string> StoreOfAsync(Launch.Started server, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var body = await http.GetStringAsync(new Uri(server.Web!, "status.json"), cancellationToken);
            return body.Contains("\"redis\"", StringComparison.Ordinal) ? "redis" : "not redis?";
        }
        catch (HttpRequestException ex)
        {
            return "unknown (" + ex.Message + ")";
        }
    }
}
