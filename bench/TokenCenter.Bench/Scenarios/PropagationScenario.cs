using System.Diagnostics;
using TokenCenter.Bench.Harness;
using TokenCenter.Protocol;
using TokenCenter.Protocol.Client;
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

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(60, 150));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        var refreshes = context.Pick(10, 100);
        int[] subscriberCounts = [1, 100];
        foreach (var replicas in new[] { 1, 3 })
        {
            if (replicas > 1 && Capabilities.RedisUnavailableReason() is { } why)
            {
                results.Add(ResultRow.Skip(Name, $"{replicas} replicas, K = {string.Join("/", subscriberCounts)} subscribers", why));
                continue;
            }

            var appId = BenchApps.AppId(0x60 + replicas);
            await using var simulator = await BenchSimulator.StartAsync([appId], TimeProvider.System, cancellationToken);
            await using var set = await Replicas.StartAsync(context, replicas, simulator, [.. BenchApps.Configuration([(appId, "Classic")]), .. BenchSimulator.NoQuotaGuard()], cancellationToken);
            foreach (var k in subscriberCounts)
            {
                await MeasureAsync(set, appId, k, refreshes, results, cancellationToken);
            }
        }
    }

    private async Task MeasureAsync(Replicas set, string appId, int subscribers, int refreshes, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watchChannels = set.Servers.Select(s => GrpcChannel.ForAddress(s.GrpcAddress)).ToArray();
        var watch = new Watchers(subscribers);
        var request = new WatchTokensRequest { Keys = { BenchApps.Key(appId) } };
        var loops = Enumerable.Range(0, subscribers).Select(i => Task.Run(async () =>
        {
            using var call = watchChannels[i % watchChannels.Length].ServerStreaming(TokenCenterMethods.WatchTokens, request, new CallOptions(CancellationToken: stop.Token));
            await foreach (var token in call.ReadAllAsync().WithCancellation(stop.Token))
            {
                watch.Saw(i, token.Version);
            }
        }, stop.Token)).ToArray();

        try
        {
            var current = await set.Servers[0].GetTokenAsync(appId, cancellationToken);
            await watch.WaitAllAbove(current.Version - 1).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var allHold = new List<double>();
            var roundTrip = new List<double>();
            for (var i = 0; i < refreshes; i++)
            {
                var target = watch.Expect(current.Version);
                var start = Stopwatch.GetTimestamp();
                var fresh = await set.Servers[i % set.Servers.Count].Channel.UnaryAsync(
                    TokenCenterMethods.ForceRefresh,
                    new ForceRefreshRequest { Key = BenchApps.Key(appId), StaleValue = current.Value },
                    CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken));
                roundTrip.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                var last = await target.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                allHold.Add(Stopwatch.GetElapsedTime(start, last).TotalMilliseconds);
                current = fresh;
            }

            var label = $"{set.Servers.Count} replica{(set.Servers.Count > 1 ? "s" : "")}, K = {subscribers}";
            var rt50 = Stats.Percentile(roundTrip, 50);
            double p50 = Stats.Percentile(allHold, 50), p99 = Stats.Percentile(allHold, 99);
            results.Add(new ResultRow(Name, $"{label}: all subscribers hold the new version, p50", p50, "ms", rt50, "ForceRefresh round trip p50", Stats.Ratio(p50, rt50), Note: $"{refreshes} refreshes (classic grant, quota guard off); time from the ForceRefresh call"
                + (set.Servers.Count > 1 ? $"; subscribers spread over the replicas, refreshes round-robin{(InProcessTokenServer.WiredRedisItself ? "; Redis store registered by the bench (AddRedisTokenStore): AddTokenServer does not wire it yet" : "")}" : "")));
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
