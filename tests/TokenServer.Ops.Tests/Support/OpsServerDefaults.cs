namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>
/// The Ops tests' defaults for <see cref="TestServerHost"/>: the server as deployed (Production environment, caller
/// authentication and rate limits at their defaults) with the embedded simulator as upstream, every log line captured.
/// </summary>
internal static class OpsServerDefaults
{
    public static async Task<TestServerHost> StartAsync(IDictionary<string, string?> settings, string environment = "Production", bool admin = false, bool waitReady = true)
    {
        var config = new Dictionary<string, string?>(settings);
        config.TryAdd("Simulator:Enabled", "true");
        config.TryAdd("Secrets:Directory", Path.Combine(Path.GetTempPath(), "tokencenter-ops-tests-no-secrets"));
        var server = await TestServerHost.StartAsync(config, o =>
        {
            o.Environment = environment;
            o.AsDeployed = true;
            o.Admin = admin;
            o.CaptureLogs = true;
        });
        if (waitReady)
        {
            await server.WaitForTokenAsync(TestKeys.App);
        }

        return server;
    }
}
