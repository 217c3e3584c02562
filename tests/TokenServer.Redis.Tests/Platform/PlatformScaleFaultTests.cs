using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Storage;
using TokenServer.Redis.Tests.Infrastructure;
using WeChatSimulator;
using Xunit.Abstractions;

namespace TokenServer.Redis.Tests.Platform;

/// <summary>
/// Issue 14's fault scale test: many authorizers (PLATFORM_FAULT_AUTHORIZERS, default 10,000) over three replicas on
/// one redis-server, rotating refresh tokens, four simulated hours on one ManualClock, with a replica killed holding
/// claims, Redis refusing every write for two minutes while refreshes are in flight, and re-authorizations and
/// unauthorizations pushed while refreshes run. Every authorizer must be refreshed once per lifetime (never doubled),
/// none lost, none marked for re-authorization; the unauthorized ones gone everywhere.
/// </summary>
public sealed class PlatformScaleFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Authorizers_over_three_replicas_survive_a_killed_replica_failing_writes_and_authorization_changes()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_FAULT_AUTHORIZERS"), out var n) ? n : 10_000;
        var stopwatch = Stopwatch.StartNew();
        await using var cluster = await PlatformCluster.StartAsync(3, sim => sim.RotateRefreshTokens = true, new Dictionary<string, string?>
        {
            // Only the test drives the schedulers, so a replica is quiet between passes (no background pass).
            ["TokenCenter:Platform:SchedulerInterval"] = "1.00:00:00",
            ["TokenCenter:Platform:AuthorizerRefreshBurst"] = "200",
            // The fault times below (kill at 95 min, writes refused at 100-102 min) fall inside the refreshes of a
            // 15 + 15 min window of tokens all authorized at the start (the default 3 + 4 min would refresh them later).
            ["TokenCenter:Platform:AuthorizerAhead"] = "00:15:00",
            ["TokenCenter:Platform:AuthorizerJitter"] = "00:15:00",
        });
        await cluster.ComponentTokenAsync(index: 0);
        var apps = Enumerable.Range(1, count).Select(i => $"wx{i:x16}").ToArray();

        // Seed through WeChat's callback: each account authorizes (api_query_auth, records, tokens, due entries).
        await Parallel.ForEachAsync(apps, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (app, _) =>
        {
            var push = await cluster.Sim.Push.AuthorizePushAsync(PlatformCluster.ComponentAppId, app);
            var deliveries = new List<string> { $"{push.StatusCode} {push.Body} {push.Error}".Trim() };
            for (var attempt = 0; attempt < 5 && !push.Acknowledged; attempt++)
            {
                push = await cluster.Sim.Push.RedeliverAsync(push);
                deliveries.Add($"{push.StatusCode} {push.Body} {push.Error}".Trim());
            }

            Assert.True(push.Acknowledged, $"{app}: {push.StatusCode} {push.Body} (deliveries: {string.Join(" | ", deliveries)})");
        });
        var seeded = stopwatch.Elapsed;

        var schedulers = cluster.Replicas.Select(r => r.Services.GetServices<IHostedService>().OfType<AuthorizerRefreshScheduler>().Single()).ToList();
        var random = new Random(14);
        var shuffled = apps.OrderBy(_ => random.Next()).ToArray();
        var unauthorized = shuffled.Take(100).ToHashSet(StringComparer.Ordinal);
        var reauthorized = shuffled.Skip(100).Take(100).ToHashSet(StringComparer.Ordinal);
        var pending = new ConcurrentBag<PushResult>();
        var start = cluster.Clock.GetUtcNow();
        var end = start + TimeSpan.FromHours(4);
        var (killed, writesFailing, changed, storeErrors) = (false, false, false, 0);
        Task? changes = null;
        while (cluster.Clock.GetUtcNow() < end)
        {
            cluster.Clock.Advance(Step);
            var at = cluster.Clock.GetUtcNow() - start;
            if (!killed && at >= TimeSpan.FromMinutes(95))
            {
                // Replica 2 claims a batch of due authorizers and dies before refreshing them.
                var doomed = cluster.Replicas[2];
                var claimed = await doomed.Services.GetRequiredService<IAuthorizerStore>().ClaimDueAsync(
                    PlatformCluster.ComponentAppId, cluster.Clock.GetUtcNow(), 50, cluster.Clock.GetUtcNow() + TimeSpan.FromMinutes(2), default);
                output.WriteLine($"replica 2 killed holding {claimed.Count} claims at +{at}");
                await doomed.DisposeAsync();
                schedulers.RemoveAt(2);
                killed = true;
            }

            if (!changed && at >= TimeSpan.FromMinutes(97))
            {
                // While refreshes run: 100 accounts authorize again, 100 unauthorize (WeChat posts to replica 1).
                cluster.CallbackTo(1);
                changes = Parallel.ForEachAsync(reauthorized.Concat(unauthorized), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (app, _) =>
                    pending.Add(unauthorized.Contains(app)
                        ? await cluster.Sim.Push.UnauthorizeAsync(PlatformCluster.ComponentAppId, app)
                        : await cluster.Sim.Push.AuthorizePushAsync(PlatformCluster.ComponentAppId, app, update: true)));
                changed = true;
            }

            var passes = schedulers.Select(s => PassAsync(s)).ToArray();
            if (!writesFailing && at >= TimeSpan.FromMinutes(100) && at < TimeSpan.FromMinutes(102))
            {
                Assert.Equal("+OK", await cluster.Redis.CommandAsync("CONFIG", "SET", "maxmemory", "1")); // every write refused (OOM), reads answer
                writesFailing = true;
            }
            else if (writesFailing && at >= TimeSpan.FromMinutes(102))
            {
                Assert.Equal("+OK", await cluster.Redis.CommandAsync("CONFIG", "SET", "maxmemory", "0"));
                writesFailing = false;
            }

            storeErrors += (await Task.WhenAll(passes)).Count(ok => !ok);
            if (changes is { IsCompleted: true } && !writesFailing)
            {
                await changes;
                changes = null;
            }

            if (changes is null && !writesFailing && !pending.IsEmpty)
            {
                // WeChat's redeliveries of what was not acknowledged (lock busy, writes refused).
                var retry = pending.ToArray();
                pending.Clear();
                foreach (var push in retry.Where(p => !p.Acknowledged))
                {
                    pending.Add(await cluster.Sim.Push.RedeliverAsync(push));
                }

                if (pending.All(p => p.Acknowledged))
                {
                    pending.Clear();
                }
            }
        }

        Assert.Null(changes);
        Assert.True(pending.IsEmpty, $"{pending.Count(p => !p.Acknowledged)} events never acknowledged");
        var simulated = stopwatch.Elapsed - seeded;

        // Every authorizer still authorized: stored, not marked, refreshed once per lifetime, served with a valid token.
        var store = cluster.Replicas[0].Services.GetRequiredService<IAuthorizerStore>();
        var tokens = cluster.Replicas[0].Services.GetRequiredService<ITokenStore>();
        var problems = new ConcurrentQueue<string>();
        var refreshes = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(apps, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (app, _) =>
        {
            var record = await store.GetAsync(PlatformCluster.ComponentAppId, app, default);
            var issued = cluster.Sim.Sim.IssuedTokens(app, WeChatSim.AuthorizerTokenEndpoint);
            refreshes.AddOrUpdate(issued, 1, (_, c) => c + 1);
            if (unauthorized.Contains(app))
            {
                if (record is not null)
                {
                    problems.Enqueue($"{app}: unauthorized but still stored");
                }

                for (var replica = 0; replica < 2; replica++)
                {
                    if (cluster.Engine(replica).IsConfigured(AuthorizerTokenSource.KeyOf(PlatformCluster.ComponentAppId, app)))
                    {
                        problems.Enqueue($"{app}: unauthorized but still held by replica {replica}");
                    }
                }

                return;
            }

            if (record is null || record.NeedsReauthorization)
            {
                problems.Enqueue($"{app}: {(record is null ? "lost" : "marked for re-authorization")}");
                return;
            }

            // Two lifetimes of 2 h in 4 h: refreshed twice (once per lifetime); a re-authorization may take the place of one.
            if (issued > 2 || issued < (reauthorized.Contains(app) ? 1 : 2))
            {
                problems.Enqueue($"{app}: refreshed {issued} times");
            }

            // What every replica serves: the stored token (a replica adopts it), valid at WeChat. (GetToken is not
            // used: a refresh it started would wait for the rate limiter on the stopped clock.)
            var stored = await tokens.GetAsync(AuthorizerTokenSource.KeyOf(PlatformCluster.ComponentAppId, app), default);
            var errcode = -1;
            if (stored is null || cluster.Sim.Sim.ValidateAccessToken(stored.Value, out errcode) != app)
            {
                problems.Enqueue($"{app}: the stored token is {(stored is null ? "missing" : $"refused by WeChat ({errcode})")}");
            }
        });

        output.WriteLine($"{count} authorizers: seeded in {seeded.TotalSeconds:F1} s, 4 simulated hours in {simulated.TotalSeconds:F1} s; " +
            $"passes refused by the store: {storeErrors}; refreshes per authorizer: {string.Join(", ", refreshes.OrderBy(r => r.Key).Select(r => $"{r.Key}x: {r.Value}"))}");
        Assert.True(storeErrors > 0, "the write fault never reached a scheduler pass");
        Assert.True(problems.IsEmpty, $"{problems.Count} problems: {string.Join("; ", problems.Take(20))}");
    }

    /// <summary>One scheduler pass; false when the store refused it (as the background loop, it is tried again next pass).</summary>
    private static async Task<bool> PassAsync(AuthorizerRefreshScheduler scheduler)
    {
        try
        {
            await scheduler.RunOnceAsync(CancellationToken.None);
            return true;
        }
        catch (TokenStoreUnavailableException)
        {
            return false;
        }
    }
}
