using System.Diagnostics;
using TokenCenter.Bench.Harness;
using TokenCenter.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using TokenCenter.V1;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Issue item 4: K WatchTokens subscribers (spread over the replicas) and a series of forced
/// refreshes; for each, the time from the ForceRefresh call until every subscriber holds the new
/// version. Baseline: the refreshing caller's own ForceRefresh round trip. Quota guard off for the bench.
/// </summary>
internal sealed class PropagationScenario : IScenario
{
    public string Name => "propagation";

    public string Title => "Propagation: ForceRefresh -> all K WatchTokens subscribers hold the new version (p50/p99 over the refreshes)";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(120, 360));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        var refreshes = context.Pick(10, 100);
        int[] subscriberCounts = [1, 100];
        (int Replicas, RedisTopologyKind Topology)[] runs =
            [(1, RedisTopologyKind.Single), (3, RedisTopologyKind.Single), (3, RedisTopologyKind.Sentinel), (3, RedisTopologyKind.Cluster)];
        foreach (var (replicas, topology) in runs)
        {
            var on = replicas > 1 ? $" on {RedisTopology.Label(topology)}" : string.Empty;
            if (replicas > 1 && Capabilities.RedisUnavailableReason() is { } why)
            {
                results.Add(ResultRow.Skip(Name, $"{replicas} replicas{on}, K = {string.Join("/", subscriberCounts)} subscribers", why));
                continue;
            }

            var appId = BenchApps.AppId(0x60 + replicas + (int)topology);
            await using var simulator = await BenchSimulator.StartAsync([appId], TimeProvider.System, cancellationToken);
            await using var set = await Replicas.StartAsync(context, replicas, simulator, [.. BenchApps.Configuration([(appId, "Classic")]), .. BenchSimulator.NoForcedRefreshBudget()], topology, cancellationToken);
            foreach (var k in subscriberCounts)
            {
                await MeasureAsync(set, appId, k, refreshes, on, results, cancellationToken);
            }
        }
    }

    private async Task MeasureAsync(Replicas set, string appId, int subscribers, int refreshes, string on, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watchChannels = set.Servers.Select(s => GrpcChannel.ForAddress(s.GrpcAddress)).ToArray();
        var watch = new Watchers(subscribers);
        var request = new WatchTokensRequest { Keys = { BenchApps.Key(appId) } };
        var loops = Enumerable.Range(0, subscribers).Select(i => Task.Run(async () =>
        {
            using var call = watchChannels[i % watchChannels.Length].ServerStreaming(TokenCenterMethods.WatchTokens, request, new CallOptions(cancellationToken: stop.Token));
            await foreach (var token in call.ReadAllAsync().WithCancellation(stop.Token))
            {
                watch.Saw(i, token.Version);
            }
        }, stop.Token)).ToArray();

        try
        {
            var current = await set.Servers[0].GetTokenAsync(appId, cancellationToken);
            await watch.Within(watch.WaitAllAbove(current.Version - 1), $"{subscribers} subscribers getting the current token (version {current.Version})", cancellationToken);
            var allHold = new List<double>();
            var roundTrip = new List<double>();
            var olderAnswers = new List<string>();
            for (var i = 0; i < refreshes; i++)
            {
                var target = watch.Expect(current.Version);
                var start = Stopwatch.GetTimestamp();
                var replica = i % set.Servers.Count;
                var fresh = await set.Servers[replica].Channel.UnaryAsync(
                    TokenCenterMethods.ForceRefresh,
                    new ForceRefreshRequest { Key = BenchApps.Key(appId), StaleValue = current.Value },
                    CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken));
                roundTrip.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (fresh.Version <= current.Version)
                {
                    // The replica had not adopted the caller's token yet and answered what it held: no
                    // refresh ran, nothing to propagate. Reported below; the next refresh goes elsewhere.
                    olderAnswers.Add($"refresh {i + 1} on replica {replica}: stale v{current.Version}, answered v{fresh.Version}");
                    await Task.Delay(20, cancellationToken);
                    continue;
                }

                var last = await watch.Within(target, $"refresh {i + 1} of {refreshes} (version {current.Version} -> {fresh.Version}, on replica {replica})", cancellationToken);
                allHold.Add(Stopwatch.GetElapsedTime(start, last).TotalMilliseconds);
                current = fresh;
            }

            if (olderAnswers.Count > 0 || set.Servers.Count > 1)
            {
                results.Add(new ResultRow(
                    Name,
                    $"{set.Servers.Count} replica{(set.Servers.Count > 1 ? "s" : "")}{on}, K = {subscribers}: ForceRefresh answered an older version than the stale token",
                    olderAnswers.Count,
                    "answers",
                    refreshes,
                    "forced refreshes",
                    (double)olderAnswers.Count / refreshes,
                    "0",
                    olderAnswers.Count == 0 ? "ok" : "miss",
                    olderAnswers.Count == 0
                        ? "each refresh is sent to the next replica right after the subscribers saw the previous one"
                        : "compare-and-refresh compares with the replica's L1 only: a replica that has not adopted the caller's newer token yet answers its older one. " + string.Join("; ", olderAnswers.Take(3))));
            }

            var label = $"{set.Servers.Count} replica{(set.Servers.Count > 1 ? "s" : "")}{on}, K = {subscribers}";
            var rt50 = Stats.Percentile(roundTrip, 50);
            double p50 = Stats.Percentile(allHold, 50), p99 = Stats.Percentile(allHold, 99);
            results.Add(new ResultRow(Name, $"{label}: all subscribers hold the new version, p50", p50, "ms", rt50, "ForceRefresh round trip p50", Stats.Ratio(p50, rt50), Note: $"{refreshes} refreshes (classic grant, forced-refresh budget off); time from the ForceRefresh call"
                + (set.Servers.Count > 1 ? $"; subscribers spread over the replicas, refreshes round-robin{(BenchServer.WiredRedisItself ? "; Redis store registered by the bench (AddRedisTokenStore): AddTokenServer does not wire it yet" : "")}" : "")));
            var rt99 = Stats.Percentile(roundTrip, 99);
            results.Add(new ResultRow(Name, $"{label}: all subscribers hold the new version, p99", p99, "ms", rt99, "ForceRefresh round trip p99", Stats.Ratio(p99, rt99)));
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException or TimeoutException or IOException or HttpRequestException)
            {
            }

            foreach (var c in watchChannels)
            {
                c.Dispose();
            }
        }
    }

    /// <summary>The latest version each subscriber holds, and a signal when all pass a version.</summary>
    private sealed class Watchers(int count)
    {
        private readonly long[] _versions = new long[count];
        private readonly Lock _gate = new();
        private long _above = long.MaxValue;
        private int _remaining;
        private TaskCompletionSource<long>? _signal;

        /// <summary>Completes with the timestamp at which the last subscriber got a version above <paramref name="version"/>.</summary>
        public Task<long> Expect(long version)
        {
            lock (_gate)
            {
                _above = version;
                _remaining = _versions.Count(v => v <= version);
                _signal = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_remaining == 0)
                {
                    _signal.SetResult(Stopwatch.GetTimestamp());
                }

                return _signal.Task;
            }
        }

        public Task<long> WaitAllAbove(long version) => Expect(version);

        /// <summary>Awaits <paramref name="signal"/> for at most 30 s; on timeout says who is behind.</summary>
        public async Task<long> Within(Task<long> signal, string what, CancellationToken cancellationToken)
        {
            try
            {
                return await signal.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            catch (TimeoutException)
            {
                long above;
                long[] versions;
                lock (_gate)
                {
                    above = _above;
                    versions = [.. _versions];
                }

                var behind = versions.Select((v, i) => (v, i)).Where(x => x.v <= above).ToArray();
                throw new TimeoutException(
                    $"{what}: after 30 s, {behind.Length} of {versions.Length} subscribers still hold version <= {above} "
                    + $"(e.g. subscriber {string.Join(", ", behind.Take(5).Select(b => $"#{b.i} at v{b.v}"))}; subscriber i watches replica i mod replicas)");
            }
        }

        public void Saw(int subscriber, long version)
        {
            var now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                var before = _versions[subscriber];
                _versions[subscriber] = Math.Max(before, version);
                if (before <= _above && version > _above && --_remaining == 0)
                {
                    _signal?.TrySetResult(now);
                }
            }
        }
    }
}
