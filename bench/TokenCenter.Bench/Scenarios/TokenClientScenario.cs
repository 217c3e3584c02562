using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Bench.Harness;
using TokenCenter.Client;
using TokenCenter.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using TokenCenter.V1;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// The TokenClient library against one in-process replica: (1) cached reads
/// (<c>GetAccessTokenAsync</c>) per second and bytes allocated per read, against a raw GetToken call
/// over the network with the same callers; (2) push: time from a ForceRefresh until the client's cached
/// read returns the new token, against the ForceRefresh round trip.
/// </summary>
internal sealed class TokenClientScenario : IScenario
{
    private const int Workers = 16;

    public string Name => "client";

    public string Title => "TokenClient library: cached GetAccessTokenAsync vs raw GetToken; push of a refreshed token into the client cache";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(60, 120));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        if (Capabilities.TokenClientUnavailableReason() is { } why)
        {
            results.Add(ResultRow.Skip(Name, "TokenClient cached reads/s", why));
            return;
        }

        var appId = BenchApps.AppId(0x81);
        await using var simulator = await BenchSimulator.StartAsync([appId], TimeProvider.System, cancellationToken);
        await using var replicas = await Replicas.StartAsync(context, 1, simulator, [.. BenchApps.Configuration([(appId, "Classic")]), .. BenchSimulator.NoForcedRefreshBudget()], cancellationToken);
        var server = replicas.Servers[0];
        await server.GetTokenAsync(appId, cancellationToken);

        await using var provider = new ServiceCollection()
            .AddTokenCenterClient(o => o.Addresses = [server.GrpcAddress.ToString()])
            .BuildServiceProvider();
        var client = provider.GetRequiredService<ITokenCenterClient>();
        await client.GetAccessTokenAsync(appId, cancellationToken); // first read: fetch + subscribe

        var duration = TimeSpan.FromSeconds(context.Pick(1, 3));
        var rounds = context.Pick(1, 3);
        var request = new GetTokenRequest { Key = BenchApps.Key(appId) };
        var cached = new List<ClosedLoop.Result>();
        var raw = new List<ClosedLoop.Result>();
        for (var round = 0; round < rounds; round++)
        {
            raw.Add(await ClosedLoop.RunAsync(ct => server.Channel.UnaryAsync(TokenCenterMethods.GetToken, request, new CallOptions(cancellationToken: ct)), Workers, TimeSpan.FromSeconds(0.5), duration, cancellationToken));
            cached.Add(await ClosedLoop.RunAsync(ct => client.GetAccessTokenAsync(appId, ct).AsTask(), Workers, TimeSpan.FromSeconds(0.5), duration, cancellationToken));
        }

        double c = Stats.Median(cached.Select(r => r.CallsPerSecond)), r0 = Stats.Median(raw.Select(r => r.CallsPerSecond));
        results.Add(new ResultRow(Name, "cached GetAccessTokenAsync: reads/s", c, "reads/s", r0, "raw GetToken over loopback", Stats.Ratio(c, r0),
            Note: $"{Workers} concurrent callers in one process, {duration.TotalSeconds:0} s x {rounds} rounds; the harness's timing of each call is included in both"));

        // Allocations of one cached read (single thread, no harness around it).
        const int Reads = 200_000;
        for (var i = 0; i < 1000; i++)
        {
            await client.GetAccessTokenAsync(appId, cancellationToken);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Reads; i++)
        {
            var pending = client.GetAccessTokenAsync(appId, cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                await pending;
            }
        }

        var perRead = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Reads;
        var nsPerRead = watch.Elapsed.TotalMilliseconds * 1e6 / Reads;
        results.Add(new ResultRow(Name, "cached read: time per call (one thread)", nsPerRead, "ns", Stats.Median(raw.Select(x => x.P50Ms)) * 1e6, "raw GetToken p50 under load", Stats.Ratio(nsPerRead, Stats.Median(raw.Select(x => x.P50Ms)) * 1e6), Note: $"{Reads:#,0} reads; {perRead:0.#} bytes allocated per read"));

        // Push: ForceRefresh, then how long until the client's cached read returns the new value.
        var refreshes = context.Pick(10, 50);
        var untilCached = new List<double>();
        var roundTrips = new List<double>();
        var current = await client.GetAccessTokenAsync(appId, cancellationToken);
        for (var i = 0; i < refreshes; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var fresh = await server.Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = BenchApps.Key(appId), StaleValue = current }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken));
            roundTrips.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
            while ((current = await client.GetAccessTokenAsync(appId, cancellationToken)) != fresh.Value)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException("the client cache did not receive the refreshed token within 10 s");
                }

                await Task.Yield();
            }

            untilCached.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        double p50 = Stats.Percentile(untilCached, 50), rt50 = Stats.Percentile(roundTrips, 50);
        results.Add(new ResultRow(Name, "refreshed token in the client cache, p50", p50, "ms", rt50, "ForceRefresh round trip p50", Stats.Ratio(p50, rt50), Note: $"{refreshes} forced refreshes; pushed over WatchTokens; p99 {Stats.Percentile(untilCached, 99):0.00} ms"));
    }
}
