using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;
using TokenCenter.Server.Observability;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.V1;

namespace TokenCenter.Server.Ops.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_ends_WatchTokens_streams_with_UNAVAILABLE()
    {
        var server = await OpsServerDefaults.StartAsync(TestKeys.Standard());
        await using (server)
        {
            var request = new WatchTokensRequest { Keys = { OpsCalls.Get(TestKeys.App).Key } };
            using var call = server.Channel.ServerStreaming(TokenCenterMethods.WatchTokens, request, OpsCalls.As(TestKeys.ReaderKey, TimeSpan.FromMinutes(2)));
            await using var stream = call.ReadAllAsync().GetAsyncEnumerator();
            Assert.True(await stream.MoveNextAsync());

            var stopping = server.App.StopAsync();
            var ex = await Assert.ThrowsAsync<RpcException>(async () => await stream.MoveNextAsync());
            Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
            Assert.Contains("reconnect", ex.Status.Detail, StringComparison.Ordinal);
            await stopping;
        }
    }

    [Fact]
    public async Task Stopping_lets_a_refresh_in_flight_finish_and_releases_the_lock()
    {
        // WeChat as a separate host: the server's own listeners stop while the refresh is in flight.
        var simulatorOptions = new WeChatSimulator.SimulatorOptions();
        simulatorOptions.Apps.Add(new WeChatSimulator.SimulatedApp(TestKeys.App, TestKeys.AppSecret));
        simulatorOptions.Apps.Add(new WeChatSimulator.SimulatedApp(TestKeys.OtherApp, TestKeys.OtherAppSecret));
        await using var wechat = await WeChatSimulator.SimulatorHost.StartAsync(simulatorOptions);
        var settings = TestKeys.Standard();
        settings["Simulator:Enabled"] = "false";
        settings["TokenCenter:Upstream:BaseUrl"] = wechat.BaseAddress.ToString();
        var server = await OpsServerDefaults.StartAsync(settings);
        await using (server)
        {
            var locks = server.App.Services.GetRequiredService<InstrumentedLock>();
            var current = await server.GetTokenAsync(TestKeys.App);
            var calls = wechat.Sim.Calls(TestKeys.App, "stable_token");
            wechat.Sim.Faults.Latency = TimeSpan.FromMilliseconds(300);
            var forced = server.Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = current.Key, StaleValue = current.Value }, OpsCalls.As(TestKeys.ForcerKey));
            while (wechat.Sim.Calls(TestKeys.App, "stable_token") == calls && !forced.IsCompleted)
            {
                await Task.Yield();
            }

            await server.App.StopAsync();
            var token = await forced;
            Assert.True(token.Version > current.Version);
            Assert.Equal(0, locks.HeldCount);
            Assert.Contains(server.Logs.Entries, e => e.Contains("Stored a new token", StringComparison.Ordinal) && e.Contains("(forced)", StringComparison.Ordinal));
        }
    }
}
