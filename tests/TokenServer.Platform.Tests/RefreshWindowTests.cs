using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Platform.Crypto;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Upstream;
using WeChatSimulator;

namespace TokenServer.Platform.Tests;

/// <summary>
/// The default refresh window (TokenCenter:Platform:AuthorizerAhead / AuthorizerJitter) keeps the upstream cost within
/// 1.05 x one api_authorizer_token per 2 h lifetime while every token is still refreshed before it expires: one replica's
/// scheduler with the default options over simulated hours, authorizers seeded as a running system holds them.
/// </summary>
public sealed class RefreshWindowTests
{
    private const string Component = "wx00000000000000c1";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);

    [Fact]
    public void The_default_window_costs_at_most_1_05_times_one_call_per_lifetime_and_one_replica_can_serve_100000_authorizers()
    {
        var defaults = new PlatformSettings();
        var meanLead = defaults.AuthorizerAhead + (defaults.AuthorizerJitter / 2);
        Assert.True(Lifetime / (Lifetime - meanLead) <= 1.05, $"mean lead {meanLead} costs {Lifetime / (Lifetime - meanLead):0.000} x");
        Assert.True(defaults.AuthorizerAhead >= TimeSpan.FromMinutes(2), "some slack is left before expiry for a retry");
        Assert.True(defaults.AuthorizerJitter > TimeSpan.Zero, "due times are spread");
        Assert.True(defaults.AuthorizerRefreshRate > 100_000 / Lifetime.TotalSeconds, "one replica's rate covers 100,000 authorizers");
    }

    [Fact]
    public async Task With_the_default_options_each_authorizer_is_refreshed_once_per_lifetime_within_its_window_and_never_after_expiry()
    {
        const int Count = 3_000;
        var defaults = new PlatformSettings();
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var start = clock.GetUtcNow();
        var tokens = new InMemoryTokenStore();
        var authorizers = new InMemoryAuthorizerStore();
        var upstream = new RecordingUpstream(clock);
        await using var provider = Replica(clock, tokens, authorizers, upstream);
        var cipher = provider.GetRequiredService<SecretCipher>();

        // A running system's steady state: each token obtained at its previous refresh (a lead of Ahead + random(Jitter)
        // before the previous expiry), so its own refresh is due uniformly over the next (lifetime - lead).
        await tokens.TryWriteAsync(ComponentTokenSource.KeyOf(Component), new StoredToken("component-token", start + TimeSpan.FromDays(1), start, 1), default);
        var random = new Random(7);
        var expiry = new Dictionary<string, DateTimeOffset>(Count);
        for (var i = 0; i < Count; i++)
        {
            var app = $"wx{i:x16}";
            var lead = defaults.AuthorizerAhead + (defaults.AuthorizerJitter * random.NextDouble());
            var due = start + ((Lifetime - lead) * random.NextDouble());
            expiry[app] = due + lead;
            await authorizers.SaveAsync(new AuthorizerRecord(Component, app, cipher.Encrypt("rt-" + app, AuthorizerTokenSource.AssociatedData(Component, app)), start, false), default);
            await tokens.TryWriteAsync(AuthorizerTokenSource.KeyOf(Component, app), new StoredToken("seed-" + app, due + lead, due + lead - Lifetime, 1), default);
            await authorizers.ScheduleAsync(new AuthorizerId(Component, app), due, default);
        }

        var end = start + TimeSpan.FromHours(5);
        await PassUntilAsync(provider, clock, end);

        var byApp = upstream.Calls.GroupBy(c => c.App).ToDictionary(g => g.Key, g => g.Select(c => c.At).Order().ToList());
        Assert.Equal(Count, byApp.Count);
        var costs = new List<double>();
        var window = defaults.AuthorizerAhead + defaults.AuthorizerJitter;
        foreach (var (app, times) in byApp)
        {
            var expires = expiry[app];
            foreach (var at in times)
            {
                Assert.True(at < expires, $"{app} refreshed at {at:o}, after its token expired at {expires:o}");
                Assert.True(expires - at <= window + defaults.SchedulerInterval, $"{app} refreshed {expires - at} before expiry: earlier than the window {window}");
                costs.Add(Lifetime / (Lifetime - (expires - at)));
                expires = at + Lifetime;
            }

            Assert.True(expires > end, $"{app} holds no valid token at the end");
        }

        // Calls per lifetime, measured on every refresh: lifetime / time the replaced token was used.
        Assert.True(costs.Average() <= 1.05, $"mean cost {costs.Average():0.0000} x one call per lifetime ({costs.Count} refreshes)");
    }

    [Theory]
    [InlineData("authorized")]
    [InlineData("imported")]
    public async Task Ten_thousand_authorizers_obtained_at_one_instant_are_refreshed_before_expiry_by_one_replica_and_then_once_per_lifetime(string how)
    {
        // A bulk authorization (api_query_auth answers at one instant) or a bulk import (records and tokens stored at
        // one instant, no due entries: the schedule rebuild finds them). In the default window alone they would all
        // fall due within its 4 minutes (about 42/s against the rate of 20/s; 10,000 take 500 s at 20/s, and the first
        // is due 420 s before they all expire), so some would be refreshed after expiry.
        const int Count = 10_000;
        var defaults = new PlatformSettings();
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var start = clock.GetUtcNow();
        var tokens = new InMemoryTokenStore();
        var authorizers = new InMemoryAuthorizerStore();
        var upstream = new RecordingUpstream(clock);
        await using var provider = Replica(clock, tokens, authorizers, upstream);
        await tokens.TryWriteAsync(ComponentTokenSource.KeyOf(Component), new StoredToken("component-token", start + TimeSpan.FromDays(1), start, 1), default);
        var registry = provider.GetRequiredService<AuthorizerRegistry>();
        var cipher = provider.GetRequiredService<SecretCipher>();
        var apps = Enumerable.Range(0, Count).Select(i => $"wx{i:x16}").ToArray();
        foreach (var app in apps)
        {
            if (how == "authorized")
            {
                await using var lease = await registry.LockAsync(AuthorizerTokenSource.KeyOf(Component, app), default);
                await registry.AuthorizedAsync(Component, new AuthorizerTokenResult(0, string.Empty, app, "first-" + app, Lifetime, "rt-" + app), start, default);
            }
            else
            {
                await authorizers.SaveAsync(new AuthorizerRecord(Component, app, cipher.Encrypt("rt-" + app, AuthorizerTokenSource.AssociatedData(Component, app)), start, false), default);
                await tokens.TryWriteAsync(AuthorizerTokenSource.KeyOf(Component, app), new StoredToken("first-" + app, start + Lifetime, start, 1), default);
            }
        }

        var end = start + (3 * Lifetime);
        await PassUntilAsync(provider, clock, end);

        var byApp = upstream.Calls.GroupBy(c => c.App).ToDictionary(g => g.Key, g => g.Select(c => c.At).Order().ToList());
        Assert.Equal(Count, byApp.Count);
        var costs = new List<double>();
        foreach (var app in apps)
        {
            var times = byApp[app];
            var expires = start + Lifetime;
            Assert.True(times[0] >= start + (Lifetime / 2), $"{app}: its first token was refreshed at {times[0]:o}, in the first half of its lifetime");
            for (var i = 0; i < times.Count; i++)
            {
                Assert.True(times[i] < expires, $"{app} refreshed at {times[i]:o}, after its token expired at {expires:o}");
                if (i > 0)
                {
                    costs.Add(Lifetime / (Lifetime - (expires - times[i])));
                }

                expires = times[i] + Lifetime;
            }

            Assert.True(expires > end, $"{app} holds no valid token at the end");
        }

        // After the first refresh, the normal window: calls per lifetime, measured on each later refresh.
        Assert.True(costs.Count >= Count, $"{costs.Count} refreshes after the first ones");
        Assert.True(costs.Average() <= 1.05, $"mean cost after the first refresh {costs.Average():0.0000} x one call per lifetime ({costs.Count} refreshes)");
        var perSecond = upstream.Calls.GroupBy(c => c.At.ToUnixTimeSeconds()).Max(g => g.Count());
        Assert.True(perSecond <= defaults.AuthorizerRefreshRate, $"{perSecond} calls in one second (rate {defaults.AuthorizerRefreshRate}/s)");
    }

    /// <summary>Runs the replica's scheduler once per <c>SchedulerInterval</c> of simulated time until <paramref name="end"/>.</summary>
    private static async Task PassUntilAsync(ServiceProvider provider, ManualClock clock, DateTimeOffset end)
    {
        var scheduler = provider.GetServices<IHostedService>().OfType<AuthorizerRefreshScheduler>().Single();
        var interval = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PlatformOptions>>().Value.Platform.SchedulerInterval;
        while (clock.GetUtcNow() < end)
        {
            clock.Advance(interval);
            await scheduler.RunOnceAsync(CancellationToken.None);
        }
    }

    private static ServiceProvider Replica(ManualClock clock, InMemoryTokenStore tokens, InMemoryAuthorizerStore authorizers, IPlatformClient upstream)
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
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<ITokenStore>(tokens);
        services.AddSingleton<IDistributedLock>(new InProcessLock(clock));
        services.AddSingleton<IAuthorizerStore>(authorizers);
        services.AddSingleton<IComponentTicketStore>(new InMemoryComponentTicketStore(clock));
        services.AddSingleton(upstream);
        services.AddTokenEngine(configuration);
        services.AddTokenPlatform(configuration);
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<AuthorizerRegistry>();
        return provider;
    }

    private sealed record Call(string App, DateTimeOffset At);

    /// <summary>The WeChat boundary: answers api_authorizer_token at once with a 2 h token and records each call.</summary>
    private sealed class RecordingUpstream(TimeProvider clock) : IPlatformClient
    {
        private int _issued;

        public ConcurrentQueue<Call> Calls { get; } = new();

        public Task<AuthorizerTokenResult> RefreshAuthorizerTokenAsync(string componentAppId, string componentAccessToken, string authorizerAppId, string refreshToken, CancellationToken cancellationToken)
        {
            Calls.Enqueue(new Call(authorizerAppId, clock.GetUtcNow()));
            return Task.FromResult(new AuthorizerTokenResult(0, string.Empty, authorizerAppId, $"tok-{Interlocked.Increment(ref _issued)}", Lifetime, refreshToken));
        }

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
