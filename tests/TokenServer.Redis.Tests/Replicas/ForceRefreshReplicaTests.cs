using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Storage.Redis;
using TokenCenter.V1;
using TokenServer.Redis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Replicas;

/// <summary>ForceRefresh across replicas: regressions found by the benchmarks (each test owns its cluster).</summary>
public sealed class ForceRefreshReplicaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_replica_that_missed_a_push_answers_a_forced_refresh_of_the_newer_token_with_a_newer_one_after_one_refresh()
    {
        await using var cluster = await ReplicaCluster.StartAsync(2, grant: "Classic", configure: s => s["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00");
        await cluster.StopReplicaAsync(1);
        await cluster.StartReplicaAsync(1, services =>
        {
            services.RemoveAll<ITokenStore>();
            services.AddSingleton<ITokenStore>(sp => new DeafTokenStore(sp.GetRequiredService<RedisTokenStore>()));
        });
        var old = await cluster.GetTokenAsync(1);

        // Replica 0 refreshes; replica 1 never hears of it and still holds the old token.
        var newer = await cluster.ForceRefreshAsync(0, old.Value);
        Assert.True(newer.Version > old.Version);
        Assert.Equal(old.Version, cluster.Engine(1).Slots.Single().State!.Token.Version);
        var issued = cluster.IssuedTokens;

        // A caller got the newer token from replica 0, WeChat rejected it, it reports it to replica 1.
        var answer = await cluster.ForceRefreshAsync(1, newer.Value);

        output.WriteLine($"held v{old.Version}, reported v{newer.Version}, answered v{answer.Version}");
        Assert.True(answer.Version > newer.Version, $"answered version {answer.Version}, the reported one was {newer.Version}");
        Assert.NotEqual(newer.Value, answer.Value);
        Assert.Equal(issued + 1, cluster.IssuedTokens);
        Assert.Equal(answer.Value, await cluster.StoredValueAsync());
        Assert.Equal(0, await cluster.BusinessCallAsync(answer.Value));
    }

    [Fact]
    public async Task Concurrent_forced_refreshes_on_three_replicas_while_one_refresh_is_in_flight_are_never_refused_and_issue_one_token()
    {
        await using var cluster = await ReplicaCluster.StartAsync(3, grant: "Stable", configure: s => s["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00");

        // Replica 0's clock is a second ahead of the others' (clocks of machines differ), and its
        // forced refresh can be held after WeChat answered, before the token is stored.
        PausingTokenStore? paused = null;
        await cluster.StopReplicaAsync(0);
        await cluster.StartReplicaAsync(0, services =>
        {
            services.AddSingleton<TimeProvider>(new SkewedClock(cluster.Clock, TimeSpan.FromSeconds(1)));
            services.RemoveAll<ITokenStore>();
            services.AddSingleton<ITokenStore>(sp => paused = new PausingTokenStore(sp.GetRequiredService<RedisTokenStore>()));
        });
        var stale = await cluster.GetTokenAsync(0);
        await Eventually.TrueAsync(() => cluster.HeldVersions().All(v => v == stale.Version), "every replica holds the token");
        var issued = cluster.IssuedTokens;

        // Replica 0 wins the lock, records the forced refresh in the shared quota, gets the new token ...
        paused!.Arm();
        var first = Attempt(cluster, 0, stale.Value);
        await paused.Paused.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // ... and every replica's callers report the same stale token while it is in flight.
        var callers = Enumerable.Range(0, 300).Select(i => (Replica: i % 3, Call: Attempt(cluster, i % 3, stale.Value))).ToArray();
        for (var r = 1; r < 3; r++)
        {
            var replica = r;
            var slot = cluster.Engine(replica).Slots.Single();
            await Eventually.TrueAsync(
                () => slot.InFlight is not null || callers.Any(c => c.Replica == replica && c.Call.IsCompleted),
                $"replica {replica} started its forced refresh or answered a caller");
        }

        paused.Release();
        var results = await Task.WhenAll(callers.Select(c => c.Call).Append(first));

        var failures = results.Where(r => r.Error is not null).Select(r => r.Error!).ToArray();
        output.WriteLine($"{failures.Length} of {results.Length} callers failed{(failures.Length > 0 ? "; first: " + failures[0] : string.Empty)}; tokens issued: {cluster.IssuedTokens - issued}");
        Assert.Empty(failures);
        Assert.Single(results.Select(r => r.Token!.Value).Distinct());
        Assert.NotEqual(stale.Value, results[0].Token!.Value);
        Assert.Equal(issued + 1, cluster.IssuedTokens);
    }

    private static async Task<(Token? Token, string? Error)> Attempt(ReplicaCluster cluster, int replica, string stale)
    {
        try
        {
            return (await cluster.ForceRefreshAsync(replica, stale), null);
        }
        catch (RpcException ex)
        {
            return (null, $"{ex.StatusCode}: {ex.Status.Detail}");
        }
    }
}
