using WeChatSimulator;

namespace TokenCenter.Bench.Harness;

/// <summary>The external WeChat simulator of the in-process scenarios, with quotas out of the way.</summary>
internal static class BenchSimulator
{
    public static Task<SimulatorHost> StartAsync(IEnumerable<string> appIds, TimeProvider time, CancellationToken cancellationToken)
    {
        var options = new SimulatorOptions
        {
            DailyQuota = 1_000_000,
            StableForceDailyLimit = 1_000_000,
            StableForceMinInterval = TimeSpan.Zero,
            StableMinuteLimit = 1_000_000,
            StableDailyLimit = 10_000_000,
        };
        foreach (var appId in appIds)
        {
            options.Apps.Add(new SimulatedApp(appId, BenchApps.Secret(appId)));
        }

        return SimulatorHost.StartAsync(options, time, cancellationToken);
    }

    /// <summary>Upstream token calls (classic + stable, errors included) and tokens issued for <paramref name="appId"/>.</summary>
    public static (int Calls, int Issued) Count(SimulatorHost simulator, string appId) =>
        (simulator.Sim.Calls(appId, WeChatSim.TokenEndpoint) + simulator.Sim.Calls(appId, WeChatSim.StableTokenEndpoint),
         simulator.Sim.TotalIssuedTokens(appId));

    /// <summary>Quota guard out of the way: the bench forces refreshes on purpose.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> NoForcedRefreshBudget() =>
    [
        new("TokenCenter:Refresh:ForcedMinInterval", "00:00:00"),
        new("TokenCenter:Refresh:ForcedDailyBudget", "1000000"),
    ];
}
