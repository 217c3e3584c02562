using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using TokenCenter.Client;

namespace TokenCenter.Benchmarks;

/// <summary>
/// The TokenClient hot path: a cached <c>GetAccessTokenAsync</c> (the client holds the token, pushed over
/// WatchTokens) against a plain <see cref="ConcurrentDictionary{TKey, TValue}"/> lookup (the baseline), and
/// against a Redis GET through StackExchange.Redis 2.13.23 on a local redis-server, which is what
/// Senparc-style deployments do on every call. Needs a running TokenServer and redis-server, given by
/// <c>TC_BENCH_GRPC</c> (the gRPC address; the demo app of appsettings.Development.json) and
/// <c>TC_BENCH_REDIS</c> (host:port); the bench driver starts both. Without them the class is not run.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class ClientBenchmarks
{
    public const string AppId = "wx0000000000000001";
    private const string Category = "TokenClient cached read";

    private readonly ConcurrentDictionary<string, string> _dictionary = new(StringComparer.Ordinal);
    private ServiceProvider _provider = null!;
    private ITokenCenterClient _client = null!;
    private ConnectionMultiplexer _redis = null!;
    private IDatabase _database = null!;
    private RedisKey _redisKey;

    public static bool IsConfigured =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TC_BENCH_GRPC")) && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TC_BENCH_REDIS"));

    [GlobalSetup]
    public void Setup()
    {
        var grpc = Environment.GetEnvironmentVariable("TC_BENCH_GRPC") ?? throw new InvalidOperationException("TC_BENCH_GRPC is not set");
        var redis = Environment.GetEnvironmentVariable("TC_BENCH_REDIS") ?? throw new InvalidOperationException("TC_BENCH_REDIS is not set");
        _provider = new ServiceCollection().AddTokenCenterClient(o => o.Addresses = [grpc]).BuildServiceProvider();
        _client = _provider.GetRequiredService<ITokenCenterClient>();
        var token = _client.GetAccessTokenAsync(AppId).AsTask().GetAwaiter().GetResult(); // fetch + subscribe
        _dictionary[AppId] = token;
        for (var i = 0; i < 100; i++)
        {
            _dictionary["wx" + i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)] = "other-" + i;
        }

        _redis = ConnectionMultiplexer.Connect(redis);
        _database = _redis.GetDatabase();
        _redisKey = "senparc:access_token:" + AppId;
        _database.StringSet(_redisKey, token);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _redis.Dispose();
        _provider.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ConcurrentDictionary lookup")]
    [BenchmarkCategory(Category)]
    public string Dictionary() => _dictionary.TryGetValue(AppId, out var token) ? token : throw new InvalidOperationException("missing");

    [Benchmark(Description = "GetAccessTokenAsync (cached)")]
    [BenchmarkCategory(Category)]
    public ValueTask<string> Cached() => _client.GetAccessTokenAsync(AppId);

    [Benchmark(Description = "Redis GET (StackExchange.Redis 2.13.23)")]
    [BenchmarkCategory(Category)]
    public async Task<string> RedisGet() => (await _database.StringGetAsync(_redisKey).ConfigureAwait(false))!;
}
