using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Observability;
using TokenCenter.Server.Storage.Redis;
using TokenServer.Redis.Tests.Infrastructure;

namespace TokenServer.Redis.Tests;

public sealed class RedisRegistrationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static ServiceProvider Build(IConfiguration configuration, out bool configured)
    {
        var services = new ServiceCollection().AddLogging();
        configured = services.AddRedisTokenStore(configuration);
        // The engine's in-memory defaults, registered afterwards, must not win.
        services.AddTokenEngine(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Nothing_is_registered_when_redis_is_not_configured()
    {
        var services = new ServiceCollection().AddLogging();

        Assert.False(services.AddRedisTokenStore(Config()));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(RedisTokenStore) || d.ServiceType == typeof(RedisRefreshLock));
        services.AddTokenEngine(Config());
        using var provider = services.BuildServiceProvider();
        Assert.Equal("memory", provider.GetRequiredService<ITokenStore>().Name);
        Assert.IsNotType<RedisRefreshLock>(provider.GetRequiredService<IRefreshLockBackend>());
    }

    [Fact]
    public async Task Redis_store_and_the_RedLock_net_lock_replace_the_defaults_when_configured()
    {
        await using var server = await RedisFixture.StartAsync();
        await using var provider = Build(
            Config(("Redis:Configuration", server.Configuration), ("Redis:LockEndpoints:0", server.Configuration), ("Redis:KeyPrefix", "reg")),
            out var configured);

        Assert.True(configured);
        var store = Assert.IsType<RedisTokenStore>(provider.GetRequiredService<ITokenStore>());
        var redlock = Assert.IsType<RedisRefreshLock>(provider.GetRequiredService<IRefreshLockBackend>());
        Assert.IsType<InstrumentedLock>(provider.GetRequiredService<IDistributedLock>());
        Assert.Single(redlock.Masters);
        Assert.Contains(provider.GetServices<IHostedService>(), s => s is RedisTokenStoreMonitor);
        Assert.True(await store.PingAsync(default));
    }

    [Fact]
    public async Task The_store_wins_over_the_defaults_registered_before_it()
    {
        var configuration = Config(("Redis:Configuration", "127.0.0.1:1,abortConnect=false"));
        var services = new ServiceCollection().AddLogging();
        services.AddTokenEngine(configuration);

        services.AddRedisTokenStore(configuration);

        // Nothing removed: one registration of each seam, which chooses Redis; nothing connects to build them.
        Assert.Single(services, d => d.ServiceType == typeof(ITokenStore));
        await using var provider = services.BuildServiceProvider();
        Assert.IsType<RedisTokenStore>(provider.GetRequiredService<ITokenStore>());
        Assert.IsType<RedisRefreshLock>(provider.GetRequiredService<IRefreshLockBackend>());
        Assert.IsType<RedisForcedRefreshBudgetStore>(provider.GetRequiredService<IForcedRefreshBudgetStore>());
    }

    [Fact]
    public void A_store_a_test_registered_itself_is_kept()
    {
        var configuration = Config(("Redis:Configuration", "127.0.0.1:1,abortConnect=false"));
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<ITokenStore, UnusedStore>();

        services.AddRedisTokenStore(configuration);
        services.AddTokenEngine(configuration);

        using var provider = services.BuildServiceProvider();
        Assert.IsType<UnusedStore>(provider.GetRequiredService<ITokenStore>());
    }

    [Theory]
    [InlineData("Redis:KeyPrefix", "a{b}", "Redis:KeyPrefix")]
    [InlineData("Redis:EventsCheckInterval", "00:00:00", "Redis:EventsCheckInterval")]
    [InlineData("Redis:EventsCheckBatch", "0", "Redis:EventsCheckBatch")]
    [InlineData("Redis:LockEndpoints:0", "host:1,nosuchkeyword=1", "Redis:LockEndpoints:0")]
    public void Invalid_options_fail_with_a_message_naming_the_key(string key, string value, string named)
    {
        using var provider = Build(Config(("Redis:Configuration", "127.0.0.1:1"), (key, value)), out _);

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisOptions>>().Value);

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_messages_never_echo_a_password()
    {
        using var provider = Build(Config(("Redis:Configuration", "127.0.0.1:1,password=hunter2,bogus=1")), out _);

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisOptions>>().Value);

        Assert.Contains("Redis:Configuration", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_documented_values()
    {
        var options = new RedisOptions();

        Assert.False(options.IsEnabled);
        Assert.Equal("tc", options.KeyPrefix);
        Assert.Equal(TimeSpan.FromSeconds(5), options.EventsCheckInterval);
        Assert.Equal(5_000, options.EventsCheckBatch);
        Assert.Empty(options.LockEndpoints);
    }

    [Fact]
    public async Task Health_check_is_healthy_while_redis_answers_and_unhealthy_with_the_reason_when_it_is_down()
    {
        await using var server = await RedisFixture.StartKillableAsync();
        await using var provider = Build(Config(("Redis:Configuration", server.Configuration)), out _);
        var health = provider.GetRequiredService<HealthCheckService>();
        await provider.GetRequiredService<RedisRefreshLock>().ConnectAsync();

        var up = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, up.Status);

        server.Kill();
        var down = await health.CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.Contains("Redis PING failed", down.Entries["redis"].Description, StringComparison.Ordinal);
    }

    private sealed class UnusedStore : ITokenStore
    {
        public string Name => "memory";

        public event Action<TokenSlotKey, long>? TokenChanged { add { } remove { } }

        public Task<StoredToken?> GetAsync(TokenSlotKey key, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<long> NextVersionAsync(TokenSlotKey key, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> TryWriteAsync(TokenSlotKey key, StoredToken token, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RemoveAsync(TokenSlotKey key, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> PingAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
