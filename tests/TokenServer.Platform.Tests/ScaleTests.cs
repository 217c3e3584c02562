using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Crypto;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;
using WeChatSimulator;
using Xunit.Abstractions;

namespace TokenServer.Platform.Tests;

/// <summary>
/// Many authorizers, two replicas sharing one store, due set and lock, over two simulated token lifetimes:
/// every authorizer is refreshed before its token expires, never twice in one lifetime, and each replica stays
/// within its upstream rate. The count comes from PLATFORM_SCALE_AUTHORIZERS (default 100,000, the issue's scale).
/// </summary>
public sealed class ScaleTests(ITestOutputHelper output)
{
    private const string Component = "wx00000000000000c1";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);
    private static readonly TimeSpan Ahead = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Jitter = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task Authorizers_are_refreshed_once_per_lifetime_across_two_replicas_within_the_rate_limit()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_SCALE_AUTHORIZERS"), out var n) ? n : 100_000;
        var rate = Math.Max(2, (int)Math.Ceiling(count / 5000.0)); // per replica; the need is count / ~5,400 s in total
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var start = clock.GetUtcNow();
        var tokens = new InMemoryTokenStore();
        var locks = new InProcessLock(clock);
        var authorizers = new InMemoryAuthorizerStore();
        var tickets = new InMemoryComponentTicketStore(clock);
        var upstream = new FakeUpstream(clock);
        var stopwatch = Stopwatch.StartNew();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        var replicas = new[] { Replica("a"), Replica("b") };
        var cipher = replicas[0].GetRequiredService<SecretCipher>();

        // Seed: authorizers stored with tokens obtained over the last lifetime, as a running system has them.
        await tokens.TryWriteAsync(ComponentTokenSource.KeyOf(Component), new StoredToken("component-token", start + TimeSpan.FromDays(1), start, 1), default);
        var random = new Random(42);
        var expiry = new Dictionary<string, DateTimeOffset>(count);
        for (var i = 0; i < count; i++)
        {
            var app = $"wx{i:x16}";
            var expires = start + Ahead + Jitter + ((Lifetime - Ahead - Jitter) * random.NextDouble());
            expiry[app] = expires;
            await authorizers.SaveAsync(new AuthorizerRecord(Component, app, cipher.Encrypt("rt-" + app, AuthorizerTokenSource.AssociatedData(Component, app)), start, false), default);
            await tokens.TryWriteAsync(AuthorizerTokenSource.KeyOf(Component, app), new StoredToken("seed-" + app, expires, expires - Lifetime, 1), default);
            await authorizers.ScheduleAsync(new AuthorizerId(Component, app), expires - Ahead - (Jitter * random.NextDouble()), default);
        }

        var seeded = stopwatch.Elapsed;
        var schedulers = replicas.Select(r => r.GetServices<IHostedService>().OfType<AuthorizerRefreshScheduler>().Single()).ToArray();
        var end = start + (2 * Lifetime);
        while (clock.GetUtcNow() < end)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            foreach (var scheduler in schedulers)
            {
                await scheduler.RunOnceAsync(CancellationToken.None);
            }
        }

        var elapsed = stopwatch.Elapsed;
        output.WriteLine($"scheduled {authorizers.ScheduledCount}, available {replicas[0].GetRequiredService<AuthorizerRateLimiter>().Available}, slots {replicas[0].GetRequiredService<TokenEngine>().DynamicSlotCount}");
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: false);
        output.WriteLine($"{count} authorizers, rate {rate}/s per replica: seeded in {seeded.TotalSeconds:F1} s, 4 simulated hours in {(elapsed - seeded).TotalSeconds:F1} s; " +
            $"{upstream.Calls.Count} refreshes (a: {upstream.Calls.Count(c => c.Replica == "a")}, b: {upstream.Calls.Count(c => c.Replica == "b")}); managed heap +{(memoryAfter - memoryBefore) / (1024 * 1024)} MB");

        // Every authorizer: refreshed before each token expired, never twice within one lifetime, valid at the end.
        var byApp = upstream.Calls.GroupBy(c => c.App).ToDictionary(g => g.Key, g => g.Select(c => c.At).Order().ToList());
        Assert.Equal(count, byApp.Count);
        foreach (var (app, times) in byApp)
        {
            Assert.True(times.Count >= 2, $"{app} refreshed {times.Count} times in two lifetimes");
            var expires = expiry[app];
            foreach (var at in times)
            {
                Assert.True(at < expires, $"{app} refreshed at {at:o}, after its token expired at {expires:o}");
                Assert.True(expires - at <= Ahead + Jitter + TimeSpan.FromMinutes(1), $"{app} refreshed {expires - at} before expiry: too early (double refresh)");
                expires = at + Lifetime;
            }

            Assert.True(expires > end, $"{app} holds no valid token at the end");
        }

        // Upstream rate: each replica within its token bucket (burst = rate per second).
        foreach (var group in upstream.Calls.GroupBy(c => c.Replica))
        {
            var perSecond = group.GroupBy(c => c.At.ToUnixTimeSeconds()).Max(g => g.Count());
            Assert.True(perSecond <= rate, $"replica {group.Key} made {perSecond} calls in one second (limit {rate})");
        }

        Assert.All(replicas.Select(r => upstream.Calls.Count(c => c.Replica == r.GetRequiredService<ReplicaName>().Name)), c => Assert.True(c > 0));
        foreach (var replica in replicas)
        {
            await replica.DisposeAsync();
        }

        ServiceProvider Replica(string name)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["TokenCenter:Components:0:ComponentAppId"] = Component,
                ["TokenCenter:Components:0:Secret"] = "secret",
                ["TokenCenter:Components:0:Token"] = "token",
                ["TokenCenter:Components:0:EncodingAesKey"] = CryptoTests.Key,
                ["TokenCenter:Encryption:Keys:0:Id"] = "k1",
                ["TokenCenter:Encryption:Keys:0:Key"] = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()),
                ["TokenCenter:Encryption:ActiveKeyId"] = "k1",
                ["TokenCenter:Platform:AuthorizerAhead"] = Ahead.ToString(),
                ["TokenCenter:Platform:AuthorizerJitter"] = Jitter.ToString(),
                ["TokenCenter:Platform:AuthorizerRefreshRate"] = rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }).Build();
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<ITokenStore>(tokens);
            services.AddSingleton<IDistributedLock>(locks);
            services.AddSingleton<IAuthorizerStore>(authorizers);
            services.AddSingleton<IComponentTicketStore>(tickets);
            services.AddSingleton(new ReplicaName(name));
            services.AddSingleton<IPlatformClient>(new ReplicaClient(upstream, name));
            services.AddTokenEngine(configuration);
            services.AddTokenPlatform(configuration);
            var provider = services.BuildServiceProvider();
            provider.GetRequiredService<AuthorizerRegistry>();
            return provider;
        }
    }

    private sealed record ReplicaName(string Name);

    private sealed record Call(string Replica, string App, DateTimeOffset At);

    /// <summary>The WeChat boundary for the scale run: answers api_authorizer_token at once and records each call.</summary>
    private sealed class FakeUpstream(TimeProvider clock)
    {
        private int _issued;

        public ConcurrentQueue<Call> Calls { get; } = new();

        public AuthorizerTokenResult Refresh(string replica, string app, string refreshToken)
        {
            Assert.Equal("rt-" + app, refreshToken);
            Calls.Enqueue(new Call(replica, app, clock.GetUtcNow()));
            return new AuthorizerTokenResult(0, string.Empty, app, $"tok-{Interlocked.Increment(ref _issued)}", Lifetime, refreshToken);
        }
    }

    private sealed class ReplicaClient(FakeUpstream upstream, string name) : IPlatformClient
    {
        public Task<AuthorizerTokenResult> RefreshAuthorizerTokenAsync(string componentAppId, string componentAccessToken, string authorizerAppId, string refreshToken, CancellationToken cancellationToken) =>
            Task.FromResult(upstream.Refresh(name, authorizerAppId, refreshToken));

        public Task<UpstreamTokenResult> GetComponentTokenAsync(string componentAppId, string secret, string ticket, CancellationToken cancellationToken) =>
            Task.FromResult(UpstreamTokenResult.Failure(61006, "not in this test"));

        public Task<(int ErrCode, string ErrMsg)> StartPushTicketAsync(string componentAppId, string secret, CancellationToken cancellationToken) =>
            Task.FromResult((0, "ok"));

        public Task<UpstreamTokenResult> CreatePreAuthCodeAsync(string componentAppId, string componentAccessToken, CancellationToken cancellationToken) =>
            Task.FromResult(UpstreamTokenResult.Failure(-1, "not in this test"));

        public Task<AuthorizerTokenResult> QueryAuthAsync(string componentAppId, string componentAccessToken, string authorizationCode, CancellationToken cancellationToken) =>
            Task.FromResult(AuthorizerTokenResult.Failure(-1, "not in this test"));
    }
}
