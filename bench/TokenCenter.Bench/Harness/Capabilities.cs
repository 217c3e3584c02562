namespace TokenCenter.Bench.Harness;

/// <summary>
/// Features that land on other branches. Scenarios that need them check here and write a
/// "not available yet" row instead of failing, so the same harness runs before and after they merge.
/// </summary>
internal static class Capabilities
{
    /// <summary>Null when TokenServer has a Redis store (and redis-server is installed); else why not.</summary>
    public static string? RedisUnavailableReason()
    {
        if (RedisRegistration() is null)
        {
            return "not available yet: TokenServer in main has no Redis store (Redis:Configuration), so replicas cannot share tokens";
        }

        return OnPath("redis-server") ? null : "redis-server is not installed (apt-get install redis-server)";
    }

    /// <summary>TokenServer's public <c>AddRedisTokenStore(IServiceCollection, IConfiguration)</c>, if it has one.</summary>
    public static System.Reflection.MethodInfo? RedisRegistration() =>
        typeof(Microsoft.AspNetCore.Builder.TokenServerHostingExtensions).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .FirstOrDefault(m => m.Name == "AddRedisTokenStore" && m.GetParameters().Length == 2);

    /// <summary>Whether <paramref name="services"/> (after <c>AddTokenServer</c>) hold the Redis store.</summary>
    public static bool HasRedisStore(IEnumerable<Microsoft.Extensions.DependencyInjection.ServiceDescriptor> services) =>
        services.Any(d => d.ServiceType.Name == "RedisTokenStore");

    /// <summary>Null when the TokenClient library has an implementation; else why not.</summary>
    public static string? TokenClientUnavailableReason()
    {
        try
        {
            var client = System.Reflection.Assembly.Load(new System.Reflection.AssemblyName("TokenClient"));
            return client.GetExportedTypes().Any(t => t.IsClass && !t.IsAbstract && t.Name.Contains("Client", StringComparison.Ordinal))
                ? null
                : "not available yet: the TokenClient library in main has no client implementation";
        }
        catch (FileNotFoundException)
        {
            return "not available yet: no TokenClient assembly";
        }
    }

    public static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, program)));
}
