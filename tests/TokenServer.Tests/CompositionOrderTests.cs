using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Hosting;
using TokenCenter.Server.Observability;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Storage.Redis;
using TokenCenter.Server.Storage.Redis.Platform;

namespace TokenServer.Tests;

/// <summary>
/// The parts of <see cref="TokenServerBuilder"/> need no call order: composed in several orders (and some twice) they
/// give the service graph <c>AddTokenServer()</c> gives from configuration, and the same implementations of the key
/// seams. Redis has a dummy endpoint (<c>abortConnect=false</c>): the host is never started and nothing connects.
/// </summary>
public sealed class CompositionOrderTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Listeners:Grpc"] = "http://127.0.0.1:0",
        ["Listeners:Web"] = "http://127.0.0.1:0",
        ["Redis:Configuration"] = "127.0.0.1:1,abortConnect=false,connectTimeout=100",
        ["Simulator:Enabled"] = "true",
        ["Secrets:Directory"] = "/nonexistent/tokencenter-secrets",
        ["TokenCenter:Apps:0:AppId"] = "wx00000000000000a1",
        ["TokenCenter:Apps:0:Secret"] = "secret-a1-0000000000000000000000",
        ["TokenCenter:Components:0:ComponentAppId"] = "wx00000000000000c1",
        ["TokenCenter:Components:0:Secret"] = "component-secret",
        ["TokenCenter:Components:0:Token"] = "verify-token",
        ["TokenCenter:Components:0:EncodingAesKey"] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        ["TokenCenter:Encryption:Keys:0:Id"] = "k1",
        ["TokenCenter:Encryption:Keys:0:Key"] = Convert.ToBase64String(new byte[32]),
        ["TokenCenter:Encryption:ActiveKeyId"] = "k1",
    };

    private static readonly Dictionary<string, Action<TokenServerBuilder>> Parts = new()
    {
        ["Core"] = b => b.AddCore(),
        ["Redis"] = b => b.AddRedis(),
        ["Platform"] = b => b.AddPlatform(),
        ["JsSdkTickets"] = b => b.AddJsSdkTickets(),
        ["Simulator"] = b => b.AddSimulator(),
        ["Operations"] = b => b.AddOperations(),
    };

    public static TheoryData<string> Orders() => new()
    {
        "Core Redis Platform JsSdkTickets Simulator Operations",
        "Redis Operations Simulator Platform JsSdkTickets Core",
        "Simulator Platform Core JsSdkTickets Redis Operations",
        "Operations JsSdkTickets Redis Core Simulator Platform",
        "Platform Simulator Redis Operations Core Platform Redis Simulator Core",
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void Parts_in_any_order_give_the_graph_AddTokenServer_gives_from_configuration(string order)
    {
        var reference = NewBuilder();
        reference.AddTokenServer();
        var composed = NewBuilder();
        var server = new TokenServerBuilder(composed.Services, composed.Configuration, composed.Environment);

        foreach (var part in order.Split(' '))
        {
            Parts[part](server);
        }

        var expected = Graph(reference.Services);
        var actual = Graph(composed.Services);
        Assert.True(expected.SequenceEqual(actual), Difference(expected, actual));
    }

    [Fact]
    public void Parts_added_again_after_AddTokenServer_add_nothing()
    {
        var reference = NewBuilder();
        reference.AddTokenServer();
        var again = NewBuilder();

        again.AddTokenServer().AddOperations().AddSimulator().AddJsSdkTickets().AddPlatform().AddRedis().AddCore();
        again.AddTokenServer();

        var expected = Graph(reference.Services);
        var actual = Graph(again.Services);
        Assert.True(expected.SequenceEqual(actual), Difference(expected, actual));
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Parts_in_any_order_resolve_the_same_seams(string order)
    {
        var builder = NewBuilder();
        var server = new TokenServerBuilder(builder.Services, builder.Configuration, builder.Environment);
        foreach (var part in order.Split(' '))
        {
            Parts[part](server);
        }

        await using var app = builder.Build();
        var services = app.Services;

        Assert.IsType<RedisTokenStore>(services.GetRequiredService<ITokenStore>());
        Assert.IsType<InstrumentedLock>(services.GetRequiredService<IDistributedLock>());
        Assert.IsType<RedisRefreshLock>(services.GetRequiredService<IRefreshLockBackend>());
        Assert.IsType<RedisForcedRefreshBudgetStore>(services.GetRequiredService<IForcedRefreshBudgetStore>());
        Assert.IsType<RedisAuthorizerStore>(services.GetRequiredService<IAuthorizerStore>());
        Assert.IsType<RedisComponentTicketStore>(services.GetRequiredService<IComponentTicketStore>());
        Assert.Equal(
            ["AccessTokenSource", "AuthorizerTokenSource", "ComponentTokenSource", "JsSdkTicketSource", "JsSdkTicketSource"],
            services.GetServices<ITokenSource>().Select(s => s.GetType().Name).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["AuthorizerKeyProvider", "JsSdkTicketKeyProvider"],
            services.GetServices<IDynamicKeyProvider>().Select(s => s.GetType().Name).Order(StringComparer.Ordinal));
        // The simulator part sets the upstream after configuration (the configuration itself is not rewritten).
        Assert.Equal("http://127.0.0.1:0/_simulator/", services.GetRequiredService<IOptions<TokenCenterOptions>>().Value.Upstream.BaseUrl.ToString());
        Assert.Null(app.Configuration["TokenCenter:Upstream:BaseUrl"]);
    }

    [Fact]
    public async Task Without_Redis_the_seams_are_in_memory_whatever_the_order()
    {
        foreach (var order in new[] { "Core Platform Operations", "Operations Platform Core" })
        {
            var builder = NewBuilder(redis: false);
            var server = new TokenServerBuilder(builder.Services, builder.Configuration, builder.Environment);
            foreach (var part in order.Split(' '))
            {
                Parts[part](server);
            }

            await using var app = builder.Build();
            Assert.Equal("memory", app.Services.GetRequiredService<ITokenStore>().Name);
            Assert.IsType<InProcessLock>(app.Services.GetRequiredService<IRefreshLockBackend>());
            Assert.IsType<InMemoryAuthorizerStore>(app.Services.GetRequiredService<IAuthorizerStore>());
        }
    }

    private static WebApplicationBuilder NewBuilder(bool redis = true)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(Settings.Where(s => redis || s.Key != "Redis:Configuration"));
        return builder;
    }

    /// <summary>The descriptors as (service, lifetime, key, implementation) lines, sorted: the graph, whatever the order of registration.</summary>
    private static List<string> Graph(IServiceCollection services) => services
        .Where(d => d.ServiceType.Name != "TokenServerMarker")
        .Select(d => $"{Name(d.ServiceType)} {d.Lifetime} {d.ServiceKey} => {Implementation(d)}")
        .Order(StringComparer.Ordinal)
        .ToList();

    private static string Implementation(ServiceDescriptor d)
    {
        if (d.IsKeyedService)
        {
            return d.KeyedImplementationType is { } keyedType ? Name(keyedType)
                : d.KeyedImplementationInstance is { } keyedInstance ? Instance(keyedInstance)
                : Method(d.KeyedImplementationFactory!);
        }

        return d.ImplementationType is { } type ? Name(type)
            : d.ImplementationInstance is { } instance ? Instance(instance)
            : Method(d.ImplementationFactory!);
    }

    // An options action (Configure, PostConfigure) is told apart by its delegate.
    private static string Instance(object instance) =>
        Name(instance.GetType()) + (instance.GetType().GetProperty("Action")?.GetValue(instance) is Delegate action ? " " + Method(action) : string.Empty);

    private static string Method(Delegate factory) => $"{Name(factory.Method.DeclaringType!)}.{factory.Method.Name}";

    private static string Name(Type type) => type.IsGenericType
        ? $"{type.Namespace}.{type.Name}[{string.Join(",", type.GetGenericArguments().Select(Name))}]"
        : type.FullName ?? type.Name;

    private static string Difference(List<string> expected, List<string> actual)
    {
        var missing = expected.ToList();
        var extra = new List<string>();
        foreach (var line in actual)
        {
            if (!missing.Remove(line))
            {
                extra.Add(line);
            }
        }

        return $"missing: [{string.Join("; ", missing)}] extra: [{string.Join("; ", extra)}]";
    }
}
