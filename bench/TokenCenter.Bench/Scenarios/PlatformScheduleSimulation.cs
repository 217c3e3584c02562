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

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// The platform scenario's upstream cost over simulated hours: one replica's real scheduler, engine and stores (in
/// memory) on a <see cref="ManualClock"/>, with the server's default refresh window and rate limit, passed once per
/// simulated second (its SchedulerInterval), and a WeChat boundary that answers api_authorizer_token at once with a
/// 2 h token. The authorizers start in a running system's steady state: each due uniformly over the next lifetime
/// minus its lead (Ahead + random(Jitter)), expiring that lead later. Counts calls per simulated
/// hour and refreshes that came after the token had expired (a gap a caller would see).
/// </summary>
internal static class PlatformScheduleSimulation
{
    private const string Component = "wx00000000000000c2";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);

    public sealed record Outcome(int Authorizers, int Hours, IReadOnlyList<int> CallsPerHour, int Late, TimeSpan Ahead, TimeSpan Jitter, int Rate, TimeSpan Elapsed);

    public static async Task<Outcome> RunAsync(int count, int hours, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var defaults = new PlatformSettings();
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var start = clock.GetUtcNow();
        var tokens = new InMemoryTokenStore();
        var authorizers = new InMemoryAuthorizerStore();
        var upstream = new CountingUpstream(clock, start);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TokenCenter:Components:0:ComponentAppId"] = Component,
            ["TokenCenter:Components:0:Secret"] = "bench-component-secret",
            ["TokenCenter:Components:0:Token"] = "bench-token",
            ["TokenCenter:Components:0:EncodingAesKey"] = "TiGRH8cnPzx+v+aaW/02L2AyheULYfAAalQfPYb7qzQ",
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
        services.AddSingleton<IPlatformClient>(upstream);
        services.AddTokenEngine(configuration);
        services.AddTokenPlatform(configuration);
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<AuthorizerRegistry>();
        var cipher = provider.GetRequiredService<SecretCipher>();

        await tokens.TryWriteAsync(ComponentTokenSource.KeyOf(Component), new StoredToken("component-token", start + TimeSpan.FromDays(2), start, 1), cancellationToken);
        var random = new Random(42);
        for (var i = 0; i < count; i++)
        {
            var app = "wx" + (0xb000_0000_0000_0000UL + (ulong)i).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
            var lead = defaults.AuthorizerAhead + (defaults.AuthorizerJitter * random.NextDouble());
            var due = start + ((Lifetime - lead) * random.NextDouble());
            var expires = due + lead;
            upstream.Expiry[app] = expires;
            await authorizers.SaveAsync(new AuthorizerRecord(Component, app, cipher.Encrypt("rt-" + app, AuthorizerTokenSource.AssociatedData(Component, app)), start, false), cancellationToken);
            await tokens.TryWriteAsync(AuthorizerTokenSource.KeyOf(Component, app), new StoredToken("seed-" + app, expires, expires - Lifetime, 1), cancellationToken);
            await authorizers.ScheduleAsync(new AuthorizerId(Component, app), due, cancellationToken);
        }

        var scheduler = provider.GetServices<IHostedService>().OfType<AuthorizerRefreshScheduler>().Single();
        var end = start + TimeSpan.FromHours(hours);
        while (clock.GetUtcNow() < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            clock.Advance(defaults.SchedulerInterval);
            await scheduler.RunOnceAsync(cancellationToken);
        }

        var perHour = Enumerable.Range(0, hours).Select(h => upstream.PerHour.GetValueOrDefault(h)).ToArray();
        return new Outcome(count, hours, perHour, upstream.Late, defaults.AuthorizerAhead, defaults.AuthorizerJitter, defaults.AuthorizerRefreshRate, watch.Elapsed);
    }

    /// <summary>api_authorizer_token answered at once (a 2 h token); counts calls per simulated hour and late ones.</summary>
    private sealed class CountingUpstream(ManualClock clock, DateTimeOffset start) : IPlatformClient
    {
        private int _issued;
        private int _late;

        public ConcurrentDictionary<string, DateTimeOffset> Expiry { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<int, int> PerHour { get; } = new();

        public int Late => _late;

        public Task<AuthorizerTokenResult> RefreshAuthorizerTokenAsync(string componentAppId, string componentAccessToken, string authorizerAppId, string refreshToken, CancellationToken cancellationToken)
        {
            var now = clock.GetUtcNow();
            PerHour.AddOrUpdate((int)((now - start) / TimeSpan.FromHours(1)), 1, static (_, n) => n + 1);
            if (Expiry.TryGetValue(authorizerAppId, out var expires) && now >= expires)
            {
                Interlocked.Increment(ref _late);
            }

            Expiry[authorizerAppId] = now + Lifetime;
            return Task.FromResult(new AuthorizerTokenResult(0, string.Empty, authorizerAppId, $"tok-{Interlocked.Increment(ref _issued)}", Lifetime, refreshToken));
        }

        public Task<UpstreamTokenResult> GetComponentTokenAsync(string componentAppId, string secret, string ticket, CancellationToken cancellationToken) =>
            Task.FromResult(UpstreamTokenResult.Failure(61006, "not simulated"));

        public Task<(int ErrCode, string ErrMsg)> StartPushTicketAsync(string componentAppId, string secret, CancellationToken cancellationToken) =>
            Task.FromResult((0, "ok"));

        public Task<UpstreamTokenResult> CreatePreAuthCodeAsync(string componentAppId, string componentAccessToken, CancellationToken cancellationToken) =>
            Task.FromResult(UpstreamTokenResult.Failure(-1, "not simulated"));

        public Task<AuthorizerTokenResult> QueryAuthAsync(string componentAppId, string componentAccessToken, string authorizationCode, CancellationToken cancellationToken) =>
            Task.FromResult(AuthorizerTokenResult.Failure(-1, "not simulated"));
    }
}
