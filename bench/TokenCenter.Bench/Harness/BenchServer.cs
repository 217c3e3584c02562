using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;

namespace TokenCenter.Bench.Harness;

/// <summary>
/// The bench's defaults for <see cref="TestServerHost"/> (the one in-process host, shared with the tests): one TokenServer
/// replica composed exactly as Program.cs does, in the Production environment, configured only by the given keys (no
/// appsettings files, no environment) plus <see cref="BenchLimits.Settings"/>, optionally on a shared fake clock.
/// </summary>
internal static class BenchServer
{
    /// <summary>True when AddTokenServer ignored Redis:Configuration and the bench registered the Redis store itself.</summary>
    public static bool WiredRedisItself { get; private set; }

    public static Task<TestServerHost> StartAsync(BenchContext context, IEnumerable<KeyValuePair<string, string?>> configuration, TimeProvider? time, CancellationToken cancellationToken, Action<IServiceCollection>? services = null)
    {
        List<KeyValuePair<string, string?>> settings = [.. BenchLimits.Settings, .. configuration];
        var redis = settings.LastOrDefault(p => p.Key == "Redis:Configuration").Value;
        return TestServerHost.StartAsync(settings, o =>
        {
            o.Environment = "Production";
            o.AsDeployed = true;
            o.IsolatedConfiguration = true;
            o.ContentRoot = context.EmptyContentRoot;
            o.Clock = time;
            o.Services = collection =>
            {
                services?.Invoke(collection);
                if (!string.IsNullOrEmpty(redis) && !Capabilities.HasRedisStore(collection))
                {
                    // AddTokenServer does not wire the Redis store (yet): register it as the store's own extension documents.
                    var registration = Capabilities.RedisRegistration() ?? throw new InvalidOperationException("TokenServer has no Redis store");
                    registration.Invoke(null, [collection, new ConfigurationBuilder().AddInMemoryCollection(settings).Build()]);
                    WiredRedisItself = true;
                }
            };
        }, cancellationToken);
    }

    /// <summary>Waits until GetToken answers for <paramref name="appId"/> (the first token is fetched).</summary>
    public static Task<TokenCenter.V1.Token> GetTokenAsync(this TestServerHost server, string appId, CancellationToken cancellationToken) =>
        server.Channel.UnaryAsync(TokenCenterMethods.GetToken, new TokenCenter.V1.GetTokenRequest { Key = BenchApps.Key(appId) }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken));
}
