using System.Text.RegularExpressions;
using System.Diagnostics;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Storage.Redis;
using TokenCenter.V1;
using TokenServer.Redis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Replicas;

/// <summary>
/// Several TokenServer replicas over real HTTP/2, one real redis-server, one simulator and one clock
/// (each test owns its cluster).
/// </summary>
public sealed class MultiReplicaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Six_hundred_concurrent_forced_refreshes_of_one_stale_token_over_three_replicas_call_WeChat_once()
    {
        await using var cluster = await ReplicaCluster.StartAsync(3, grant: "Classic");
        var stale = await cluster.GetTokenAsync(0);
        await Eventually.TrueAsync(() => cluster.HeldVersions().All(v => v == stale.Version), "every replica holds the token");
        var callsBefore = cluster.TokenCalls;

        var results = await Task.WhenAll(Enumerable.Range(0, 600).Select(i => cluster.ForceRefreshAsync(i % 3, stale.Value)));

        output.WriteLine($"upstream token calls for 600 forced refreshes: {cluster.TokenCalls - callsBefore}");
        Assert.Equal(1, cluster.TokenCalls - callsBefore);
        var fresh = results[0];
        Assert.NotEqual(stale.Value, fresh.Value);
        Assert.True(fresh.Version > stale.Version);
        Assert.All(results, r => Assert.Equal(fresh.Value, r.Value));
        for (var i = 0; i < 3; i++)
        {
            var served = await cluster.GetTokenAsync(i);
            Assert.Equal(fresh.Value, served.Value);
            Assert.Equal(fresh.Version, served.Version);
        }

        Assert.Equal(0, await cluster.BusinessCallAsync(fresh.Value));

        // Metrics add up across replicas: one forced refresh obtained from WeChat in all, the others adopted it.
        var forcedSuccess = 0.0;
        using var http = new HttpClient();
        for (var i = 0; i < 3; i++)
        {
            var text = await http.GetStringAsync(new Uri(cluster.Replica(i).WebAddress, "metrics"));
            forcedSuccess += text.Split('\n')
                .Where(l => l.StartsWith("tokencenter_refreshes_total{", StringComparison.Ordinal) && l.Contains("trigger=\"forced\"", StringComparison.Ordinal) && l.Contains("result=\"success\"", StringComparison.Ordinal))
                .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(1, forcedSuccess);
    }

    [Fact]
    public async Task A_refresh_on_one_replica_reaches_GetToken_and_WatchTokens_on_the_others_through_the_events_channel()
    {
        // The periodic version check is pushed out of the test's reach (1 h), so a new version that
        // reaches B and C at all came through pub/sub: no timing bound is needed to prove the push path
        // (the delay is reported, not asserted: it depends on the machine's load).
        await using var cluster = await ReplicaCluster.StartAsync(3, configure: s => s["Redis:EventsCheckInterval"] = "01:00:00");
        var start = await cluster.GetTokenAsync(0);
        await Eventually.TrueAsync(() => cluster.HeldVersions().All(v => v == start.Version), "every replica holds the token");
        using var watch = cluster.Replica(2).Channel.ServerStreaming(
            TokenCenterMethods.WatchTokens, new WatchTokensRequest { Keys = { ReplicaCluster.Key } }, CallOptions.WithTimeout(TimeSpan.FromSeconds(60)));
        var messages = watch.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await messages.MoveNextAsync());
        Assert.Equal(start.Version, messages.Current.Version); // the current token first

        var clock = Stopwatch.StartNew();
        var watched = Task.Run(async () =>
        {
            while (await messages.MoveNextAsync())
            {
                if (messages.Current.Version > start.Version)
                {
                    return (messages.Current, clock.Elapsed);
                }
            }

            throw new InvalidOperationException("the watch ended");
        });
        var polled = Task.Run(async () =>
        {
            while (true)
            {
                var token = await cluster.GetTokenAsync(1);
                if (token.Version > start.Version)
                {
                    return (token, clock.Elapsed);
                }

                await Task.Delay(1);
            }
        });

        var fresh = await cluster.ForceRefreshAsync(0, start.Value);
        var storedAt = clock.Elapsed;
        var (onB, seenByB) = await polled.WaitAsync(TimeSpan.FromSeconds(60));
        var (onC, seenByC) = await watched.WaitAsync(TimeSpan.FromSeconds(60));

        output.WriteLine($"ForceRefresh on A answered after {storedAt.TotalMilliseconds:0.0} ms; GetToken on B saw the new version after {seenByB.TotalMilliseconds:0.0} ms, WatchTokens on C after {seenByC.TotalMilliseconds:0.0} ms (propagation delay after A's answer: B {(seenByB - storedAt).TotalMilliseconds:0.0} ms, C {(seenByC - storedAt).TotalMilliseconds:0.0} ms)");
        Assert.Equal(fresh.Version, onB.Version);
        Assert.Equal(fresh.Value, onB.Value);
        Assert.Equal(fresh.Version, onC.Version);
        Assert.Equal(fresh.Value, onC.Value);
    }

    [Fact]
    public async Task A_lock_holder_stalled_past_its_lease_cannot_overwrite_the_newer_token_of_another_replica()
    {
        await using var cluster = await ReplicaCluster.StartAsync(2, grant: "Classic", configure: s =>
        {
            s["TokenCenter:Refresh:LockLease"] = "00:00:02";
            s["TokenCenter:Upstream:Timeout"] = "00:00:01";
            s["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:00";
        });
        PausingTokenStore? paused = null;
        await cluster.StopReplicaAsync(0);
        await cluster.StartReplicaAsync(0, services =>
        {
            services.RemoveAll<ITokenStore>();
            services.AddSingleton<ITokenStore>(sp => paused = new PausingTokenStore(sp.GetRequiredService<RedisTokenStore>()));
        });
        var stale = await cluster.GetTokenAsync(0);
        Assert.NotNull(paused);

        // A fetches a token under the lock, then stalls inside its write. Its lease is extended while
        // it stalls, so the lock is lost the way a paused process or a failover loses it: the key vanishes.
        paused.Arm();
        var onA = cluster.ForceRefreshAsync(0, stale.Value);
        var held = await paused.Paused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var lockKey = $"{cluster.Prefix}:lock:{{{ReplicaCluster.SlotKey}}}";
        Assert.Equal(":1", await cluster.Redis.CommandAsync("DEL", lockKey));

        // B takes the lock, refreshes and stores a newer version.
        var onB = await cluster.ForceRefreshAsync(1, stale.Value);
        Assert.NotEqual(held.Value, onB.Value);
        Assert.True(onB.Version > held.Version);

        paused.Release();
        Assert.False(await paused.PausedWriteResult.Task.WaitAsync(TimeSpan.FromSeconds(10)), "the stalled write was refused");
        var answerOfA = await onA;

        Assert.Equal(onB.Value, answerOfA.Value);
        Assert.Equal(onB.Value, await cluster.StoredValueAsync());
        Assert.Equal(onB.Version, (await cluster.GetTokenAsync(0)).Version);
        Assert.Equal(onB.Version, (await cluster.GetTokenAsync(1)).Version);
    }

    [Fact]
    public async Task A_restarted_replica_loads_the_stored_token_and_never_calls_WeChat()
    {
        await using var cluster = await ReplicaCluster.StartAsync(3);
        var token = await cluster.GetTokenAsync(0);
        cluster.Clock.Advance(TimeSpan.FromMinutes(50)); // still valid, not yet due
        var calls = cluster.TokenCalls;

        await cluster.StopReplicaAsync(2);
        await cluster.StartReplicaAsync(2);
        var loaded = await cluster.GetTokenAsync(2);

        Assert.Equal(token.Value, loaded.Value);
        Assert.Equal(token.Version, loaded.Version);
        Assert.Equal(calls, cluster.TokenCalls);
        Assert.Equal(0, await cluster.BusinessCallAsync(loaded.Value));
    }

    [Fact]
    public async Task When_the_only_redis_turns_into_an_empty_read_only_replica_the_replica_serves_memory_is_not_ready_and_does_not_spin()
    {
        await using var cluster = await ReplicaCluster.StartAsync(1);
        var token = await cluster.GetTokenAsync(0);
        await using var primary = await RedisFixture.StartKillableAsync();

        // The node becomes a replica of an empty primary: its data is replaced by nothing, reads
        // work, every write fails. The held token cannot be written back.
        Assert.Equal("+OK", await cluster.Redis.CommandAsync("REPLICAOF", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await Eventually.TrueAsync(async () => await cluster.StoredValueAsync() is null, "the replica synced the empty data set");
        await Eventually.TrueAsync(async () => (await cluster.ReadyzAsync(0)).Status == 503, "the replica reports the write outage");
        var (_, body) = await cluster.ReadyzAsync(0);
        output.WriteLine(body);
        Assert.Contains("write probe", body, StringComparison.Ordinal);

        Assert.Equal("+OK", await cluster.Redis.CommandAsync("CONFIG", "RESETSTAT"));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(cluster.Redis.Configuration + ",allowAdmin=true");
        var stats = await admin.GetServer(admin.GetEndPoints()[0]).InfoRawAsync("commandstats");
        var reads = Regex.Match(stats ?? string.Empty, @"cmdstat_hgetall:calls=(\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        output.WriteLine($"HGETALL calls in 3 s while writes fail: {reads}");

        Assert.InRange(reads, 1, 30); // reconcile passes at most about once a second, not thousands
        Assert.Equal(token.Value, (await cluster.GetTokenAsync(0)).Value);
    }

    [Fact]
    public async Task When_redis_comes_back_a_key_whose_token_expired_meanwhile_is_refreshed_at_once_not_after_the_backoff()
    {
        await using var cluster = await ReplicaCluster.StartAsync(2, grant: "Classic");
        var token = await cluster.GetTokenAsync(0);
        await Eventually.TrueAsync(() => cluster.HeldVersions().All(v => v == token.Version), "every replica holds the token");

        // Redis is down past the token's lifetime: every refresh fails and backs off (up to 5 min).
        cluster.Redis.Kill();
        cluster.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(10));
        var failure = await Assert.ThrowsAsync<RpcException>(() => cluster.GetTokenAsync(1));
        output.WriteLine($"while Redis is down and the token expired: {failure.StatusCode}: {failure.Status.Detail}");
        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.Contains("token store", failure.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(cluster.Redis.Endpoint, failure.Status.Detail, StringComparison.Ordinal); // diagnostics stay in the log
        var issued = cluster.IssuedTokens;

        // Back (empty). The clock does not move: only "refresh at once" can produce a token now.
        await cluster.Redis.RestartAsync();
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    return (await cluster.GetTokenAsync(1)).Value != token.Value && (await cluster.GetTokenAsync(0)).Value != token.Value;
                }
                catch (RpcException)
                {
                    return false;
                }
            },
            "both replicas serve a new token without waiting out the backoff",
            bound: TimeSpan.FromSeconds(20));

        var fresh = await cluster.GetTokenAsync(0);
        Assert.Equal(fresh.Value, (await cluster.GetTokenAsync(1)).Value);
        Assert.Equal(fresh.Value, await cluster.StoredValueAsync());
        Assert.Equal(issued + 1, cluster.IssuedTokens); // both replicas reconciled; the lock let one call WeChat
        Assert.Equal(0, await cluster.BusinessCallAsync(fresh.Value));
    }

    [Fact]
    public async Task While_redis_is_down_replicas_serve_memory_and_are_not_ready_then_recover_without_losing_or_refetching_the_token()
    {
        await using var cluster = await ReplicaCluster.StartAsync(3);
        var token = await cluster.GetTokenAsync(0);
        await Eventually.TrueAsync(() => cluster.HeldVersions().All(v => v == token.Version), "every replica holds the token");
        var issued = cluster.IssuedTokens;

        cluster.Redis.Kill();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(token.Value, (await cluster.GetTokenAsync(i)).Value);
            var replica = i;
            await Eventually.TrueAsync(async () => (await cluster.ReadyzAsync(replica)).Status == 503, $"replica {i} is not ready");
            var (_, body) = await cluster.ReadyzAsync(i);
            output.WriteLine($"replica {i} /readyz while Redis is down: {body}");
            Assert.Contains("\"redis\"", body, StringComparison.Ordinal);
            Assert.Contains("Redis PING failed", body, StringComparison.Ordinal);
            Assert.DoesNotContain(cluster.Redis.Endpoint, body, StringComparison.Ordinal); // /readyz is unauthenticated
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await cluster.HealthAsync(i));
        }

        cluster.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(token.Value, (await cluster.GetTokenAsync(1)).Value);

        await cluster.Redis.RestartAsync(); // empty: nothing was persisted

        for (var i = 0; i < 3; i++)
        {
            var replica = i;
            await Eventually.TrueAsync(async () => (await cluster.ReadyzAsync(replica)).Status == 200, $"replica {i} is ready again");
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await cluster.HealthAsync(i));
        }

        await Eventually.TrueAsync(async () => await cluster.StoredValueAsync() == token.Value, "the held token is written back to Redis");
        Assert.Equal(issued, cluster.IssuedTokens);

        // The next proactive refresh runs once for all replicas, and everyone moves to it.
        var end = cluster.Clock.GetUtcNow() + TimeSpan.FromHours(2);
        while (cluster.Clock.GetUtcNow() < end)
        {
            cluster.Clock.Advance(TimeSpan.FromMinutes(1));
            await Eventually.TrueAsync(() => cluster.Settled(), "replicas agree");
        }

        output.WriteLine($"tokens issued after recovery and one proactive refresh: {cluster.IssuedTokens - issued}; token calls {cluster.TokenCalls}");
        Assert.Equal(issued + 1, cluster.IssuedTokens);
        var next = await cluster.GetTokenAsync(2);
        Assert.True(next.Version > token.Version);
        Assert.Equal(next.Value, await cluster.StoredValueAsync());
        Assert.Equal(0, await cluster.BusinessCallAsync(next.Value));
    }
}
