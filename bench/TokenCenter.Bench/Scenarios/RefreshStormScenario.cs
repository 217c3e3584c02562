using System.Diagnostics;
using TokenCenter.Bench.Harness;
using TokenCenter.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using TokenCenter.V1;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Issue item 3: M concurrent ForceRefresh callers holding the same stale token, over N replicas (in
/// process, real HTTP/2 on loopback, external simulator). Counts upstream token calls at the simulator
/// (target: exactly 1 per storm) and the time until every caller holds the new token; the baseline is
/// one caller alone.
/// </summary>
internal sealed class RefreshStormScenario : IScenario
{
    public string Name => "storm";

    public string Title => "Refresh storm: N replicas x M concurrent ForceRefresh(stale) -> upstream calls and time until all hold the new token";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(90, 180));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        int[] callers = context.Pick(new[] { 10, 100 }, new[] { 10, 100, 1000 });
        var reps = context.Pick(1, 5);
        foreach (var replicas in new[] { 1, 3 })
        {
            if (replicas > 1 && Capabilities.RedisUnavailableReason() is { } why)
            {
                results.Add(ResultRow.Skip(Name, $"{replicas} replicas x {string.Join("/", callers)} callers", why));
                continue;
            }

            foreach (var grant in new[] { "Classic", "Stable" })
            {
                await RunGridAsync(context, replicas, grant, callers, reps, results, cancellationToken);
            }
        }
    }

    private async Task RunGridAsync(BenchContext context, int replicaCount, string grant, int[] callers, int reps, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        var appId = BenchApps.AppId(grant == "Classic" ? 0x51 : 0x52);
        await using var simulator = await BenchSimulator.StartAsync([appId], TimeProvider.System, cancellationToken);
        await using var replicas = await Replicas.StartAsync(
            context, replicaCount, simulator, [.. BenchApps.Configuration([(appId, grant)]), .. BenchSimulator.NoForcedRefreshBudget()], cancellationToken);
        foreach (var replica in replicas.Servers)
        {
            await replica.GetTokenAsync(appId, cancellationToken);
        }

        var baseline = new List<double>();
        for (var r = 0; r < reps + 1; r++)
        {
            var single = await StormAsync(replicas, simulator, appId, 1, cancellationToken);
            if (r > 0)
            {
                baseline.Add(single.Milliseconds); // the first one warms the path up
            }
        }

        var baselineMs = Stats.Median(baseline);
        foreach (var m in callers)
        {
            var storms = new List<Storm>();
            for (var r = 0; r < reps; r++)
            {
                storms.Add(await StormAsync(replicas, simulator, appId, m, cancellationToken));
            }

            var cell = $"{grant}, {replicaCount} replica{(replicaCount > 1 ? "s" : "")} x {m} callers";
            var maxCalls = storms.Max(s => s.UpstreamCalls);
            var maxIssued = storms.Max(s => s.Issued);
            var failures = storms.Sum(s => s.Failures);
            var consistent = storms.All(s => s.DistinctNewValues == 1);
            var callsTarget = grant == "Classic" ? maxCalls == 1 : maxIssued == 1;
            var ok = callsTarget && failures == 0 && consistent;
            var over = storms.Count(s => (grant == "Classic" ? s.UpstreamCalls : s.Issued) > 1);
            var note = $"max over {reps} storms ({over} of {reps} went over 1); tokens issued max {maxIssued}; failed calls {failures}; all callers got the same new token: {(consistent ? "yes" : "NO")}"
                + (replicaCount > 1 && BenchServer.WiredRedisItself ? "; Redis store registered by the bench (AddRedisTokenStore): AddTokenServer does not wire it yet" : "")
                + (storms.FirstOrDefault(s => s.FirstError is not null)?.FirstError is { } err ? $"; first failure: {err}" : "")
                + (grant == "Stable" ? "; stable grant asks normal mode first, then force_refresh: 2 calls, 1 new token by design" : "");
            results.Add(new ResultRow(Name, $"{cell}: upstream token calls", grant == "Classic" ? maxCalls : maxIssued, grant == "Classic" ? "calls" : "tokens issued", 1, "minimum", grant == "Classic" ? maxCalls : maxIssued, "exactly 1", ok ? "ok" : "miss", grant == "Classic" ? note : $"upstream calls max {maxCalls}; " + note));
            var ms = Stats.Median(storms.Select(s => s.Milliseconds));
            results.Add(new ResultRow(Name, $"{cell}: time until all hold the new token", ms, "ms", baselineMs, "1 caller alone", Stats.Ratio(ms, baselineMs), Note: $"median of {reps}; max {storms.Max(s => s.Milliseconds):0.0} ms"));
        }
    }

    private sealed record Storm(double Milliseconds, int UpstreamCalls, int Issued, int Failures, int DistinctNewValues, string? FirstError);

    private static async Task<Storm> StormAsync(Replicas replicas, WeChatSimulator.SimulatorHost simulator, string appId, int callers, CancellationToken cancellationToken)
    {
        var stale = (await replicas.Servers[0].GetTokenAsync(appId, cancellationToken)).Value;
        var (callsBefore, issuedBefore) = BenchSimulator.Count(simulator, appId);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? firstError = null;
        var request = new ForceRefreshRequest { Key = BenchApps.Key(appId), StaleValue = stale };
        var calls = Enumerable.Range(0, callers).Select(async i =>
        {
            await gate.Task;
            var channel = replicas.Servers[i % replicas.Servers.Count].Channel;
            try
            {
                return (await channel.UnaryAsync(TokenCenterMethods.ForceRefresh, request, CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken))).Value;
            }
            catch (RpcException ex)
            {
                Interlocked.CompareExchange(ref firstError, $"{ex.StatusCode}: {ex.Status.Detail}", null);
                return null;
            }
        }).ToArray();
        await Task.Delay(callers > 100 ? 50 : 5, cancellationToken); // let every caller reach the gate
        var start = Stopwatch.GetTimestamp();
        gate.SetResult();
        var values = await Task.WhenAll(calls);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var (callsAfter, issuedAfter) = BenchSimulator.Count(simulator, appId);
        var fresh = values.Where(v => v is not null && v != stale).Distinct().Count();
        return new Storm(elapsed, callsAfter - callsBefore, issuedAfter - issuedBefore, values.Count(v => v is null || v == stale), fresh, firstError);
    }
}
