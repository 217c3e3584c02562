using System.Collections.Concurrent;
using System.Globalization;
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

namespace TokenCenter.Testing.Platform;

/// <summary>
/// Simulated hours of the authorizer refresh schedule: one or more replicas' real schedulers, engines and platform
/// services sharing in-memory stores, a due set and a lock, on one <see cref="ManualClock"/>, and a WeChat boundary
/// that answers api_authorizer_token at once with a 2 h token and records every call. Used by the platform tests
/// (refresh window, scale) and the bench's platform scenario (calls per simulated hour), so that the set-up, the
/// seeding of a running system's steady state and the clock loop exist once. Linked into those projects from
/// tests/PlatformSimulation (it uses TokenServer internals, which tests/Shared's other users cannot see).
/// </summary>
internal sealed class ScheduleSimulation : IAsyncDisposable
{
    public const string Component = "wx00000000000000c1";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);

    private readonly List<ServiceProvider> _replicas = [];
    private readonly List<AuthorizerRefreshScheduler> _schedulers = [];
    private readonly Dictionary<string, DateTimeOffset> _seededExpiry = new(StringComparer.Ordinal);

    private ScheduleSimulation(IReadOnlyDictionary<string, string?> settings)
    {
        Settings = settings;
        Start = Clock.GetUtcNow();
        Upstream = new RecordingUpstream(Clock);
    }

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public DateTimeOffset Start { get; }

    public InMemoryTokenStore Tokens { get; } = new();

    public InMemoryAuthorizerStore Authorizers { get; } = new();

    public RecordingUpstream Upstream { get; }

    /// <summary>The platform settings every replica runs with (the server's defaults unless overridden).</summary>
    public PlatformSettings Platform { get; private set; } = new();

    public IReadOnlyList<ServiceProvider> Replicas => _replicas;

    /// <summary>Each seeded authorizer's token expiry, by app id.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> SeededExpiry => _seededExpiry;

    private IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>
    /// Starts <paramref name="replicas"/> replicas named a, b, … with the component configured, an encryption key and
    /// <paramref name="settings"/> (configuration keys such as TokenCenter:Platform:AuthorizerRefreshRate) on top.
    /// </summary>
    public static async Task<ScheduleSimulation> StartAsync(int replicas = 1, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var simulation = new ScheduleSimulation(settings ?? new Dictionary<string, string?>());
        var tickets = new InMemoryComponentTicketStore(simulation.Clock);
        var locks = new InProcessLock(simulation.Clock);
        for (var i = 0; i < replicas; i++)
        {
            simulation.AddReplica(((char)('a' + i)).ToString(), tickets, locks);
        }

        await simulation.Tokens.TryWriteAsync(ComponentTokenSource.KeyOf(Component), new StoredToken("component-token", simulation.Start + TimeSpan.FromDays(2), simulation.Start, 1), default);
        return simulation;
    }

    /// <summary>The app id of the <paramref name="index"/>th simulated authorizer.</summary>
    public static string AppId(int index) => "wx" + index.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// Seeds <paramref name="count"/> authorizers as a running system holds them: each token obtained at its previous
    /// refresh, a lead of AuthorizerAhead + random(AuthorizerJitter) before the previous expiry, so its own refresh is
    /// due uniformly over the next (lifetime - lead) and its token expires that lead after it is due.
    /// </summary>
    public async Task SeedSteadyStateAsync(int count, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var lead = Platform.AuthorizerAhead + (Platform.AuthorizerJitter * random.NextDouble());
            var due = Start + ((Lifetime - lead) * random.NextDouble());
            await SeedAsync(AppId(i), due, due + lead);
        }
    }

    /// <summary>One authorizer stored with refresh token "rt-{app}", a token expiring at <paramref name="expires"/>, due at <paramref name="due"/>.</summary>
    public async Task SeedAsync(string app, DateTimeOffset due, DateTimeOffset expires)
    {
        var cipher = _replicas[0].GetRequiredService<SecretCipher>();
        _seededExpiry[app] = expires;
        await Authorizers.SaveAsync(new AuthorizerRecord(Component, app, cipher.Encrypt("rt-" + app, AuthorizerTokenSource.AssociatedData(Component, app)), Start, false), default);
        await Tokens.TryWriteAsync(AuthorizerTokenSource.KeyOf(Component, app), new StoredToken("seed-" + app, expires, expires - Lifetime, 1), default);
        await Authorizers.ScheduleAsync(new AuthorizerId(Component, app), due, default);
    }

    /// <summary>Advances the clock by one scheduler interval at a time until <paramref name="duration"/> has passed, each replica's scheduler running once per step.</summary>
    public async Task RunAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var end = Clock.GetUtcNow() + duration;
        while (Clock.GetUtcNow() < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Clock.Advance(Platform.SchedulerInterval);
            foreach (var scheduler in _schedulers)
            {
                await scheduler.RunOnceAsync(cancellationToken);
            }
        }
    }

    /// <summary>Each authorizer's refresh times, in order.</summary>
    public Dictionary<string, List<DateTimeOffset>> CallsByApp() =>
        Upstream.Calls.GroupBy(c => c.App).ToDictionary(g => g.Key, g => g.Select(c => c.At).Order().ToList(), StringComparer.Ordinal);

    /// <summary>Refreshes made at or after the moment the token they replaced had expired (a gap a caller would see).</summary>
    public int LateRefreshes()
    {
        var late = 0;
        foreach (var (app, times) in CallsByApp())
        {
            var expires = _seededExpiry.GetValueOrDefault(app, DateTimeOffset.MaxValue);
            foreach (var at in times)
            {
                late += at >= expires ? 1 : 0;
                expires = at + Lifetime;
            }
        }

        return late;
    }

    /// <summary>Upstream calls in each simulated hour since the start.</summary>
    public int[] CallsPerHour(int hours)
    {
        var perHour = new int[hours];
        foreach (var call in Upstream.Calls)
        {
            var hour = (int)((call.At - Start) / TimeSpan.FromHours(1));
            if (hour < hours)
            {
                perHour[hour]++;
            }
        }

        return perHour;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
    }

    private void AddReplica(string name, InMemoryComponentTicketStore tickets, InProcessLock locks)
    {
        var values = new Dictionary<string, string?>
        {
            ["TokenCenter:Components:0:ComponentAppId"] = Component,
            ["TokenCenter:Components:0:Secret"] = "simulated-component-secret",
            ["TokenCenter:Components:0:Token"] = "simulated-token",
            ["TokenCenter:Components:0:EncodingAesKey"] = "TiGRH8cnPzx+v+aaW/02L2AyheULYfAAalQfPYb7qzQ",
            ["TokenCenter:Encryption:Keys:0:Id"] = "k1",
            ["TokenCenter:Encryption:Keys:0:Key"] = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()),
            ["TokenCenter:Encryption:ActiveKeyId"] = "k1",
        };
        foreach (var (key, value) in Settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<ITokenStore>(Tokens);
        services.AddSingleton<IDistributedLock>(locks);
        services.AddSingleton<IAuthorizerStore>(Authorizers);
        services.AddSingleton<IComponentTicketStore>(tickets);
        services.AddSingleton<IPlatformClient>(new ReplicaClient(Upstream, name));
        services.AddTokenEngine(configuration);
        services.AddTokenPlatform(configuration);
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<AuthorizerRegistry>();
        Platform = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PlatformOptions>>().Value.Platform;
        _replicas.Add(provider);
        _schedulers.Add(provider.GetServices<IHostedService>().OfType<AuthorizerRefreshScheduler>().Single());
    }

    public sealed record Call(string Replica, string App, DateTimeOffset At, string RefreshToken);

    /// <summary>The WeChat boundary: answers api_authorizer_token at once with a 2 h token (the refresh token kept) and records each call.</summary>
    public sealed class RecordingUpstream(TimeProvider clock)
    {
        private int _issued;

        public ConcurrentQueue<Call> Calls { get; } = new();

        public AuthorizerTokenResult Refresh(string replica, string app, string refreshToken)
        {
            Calls.Enqueue(new Call(replica, app, clock.GetUtcNow(), refreshToken));
            return new AuthorizerTokenResult(0, string.Empty, app, "tok-" + Interlocked.Increment(ref _issued).ToString(CultureInfo.InvariantCulture), Lifetime, refreshToken);
        }
    }

    /// <summary>One replica's platform client: api_authorizer_token goes to the shared recorder; the rest is not simulated.</summary>
    private sealed class ReplicaClient(RecordingUpstream upstream, string name) : IPlatformClient
    {
        public Task<AuthorizerTokenResult> RefreshAuthorizerTokenAsync(string componentAppId, string componentAccessToken, string authorizerAppId, string refreshToken, CancellationToken cancellationToken) =>
            Task.FromResult(upstream.Refresh(name, authorizerAppId, refreshToken));

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
