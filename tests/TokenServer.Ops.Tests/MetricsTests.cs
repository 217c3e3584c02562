using TokenCenter.Protocol;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.V1;

namespace TokenCenter.Server.Ops.Tests;

public sealed class MetricsTests(StandardServerFixture fixture) : IClassFixture<StandardServerFixture>
{
    private TestServerHost Server => fixture.Server;

    [Fact]
    public async Task Metrics_count_what_happened()
    {
        var channel = Server.Channel;
        var current = await channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ForcerKey));
        var forced = await channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = current.Key, StaleValue = current.Value }, OpsCalls.As(TestKeys.ForcerKey));
        Assert.True(forced.Version > current.Version);
        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = forced.Key, StaleValue = forced.Value }, OpsCalls.As(TestKeys.ForcerKey)));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var unavailable = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.BadApp), OpsCalls.As(TestKeys.ForcerKey)));
        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(null)));
        using var watch = channel.ServerStreaming(TokenCenterMethods.WatchTokens, new WatchTokensRequest { Keys = { current.Key } }, OpsCalls.As(TestKeys.ReaderKey));
        await using var stream = watch.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        var samples = MetricSamples.Parse(await Server.GetTextAsync("/metrics"));

        double Value(string name, params (string Label, string Value)[] labels) =>
            samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Sum(s => s.Value);

        Assert.True(Value("tokencenter_refreshes_total", ("app", TestKeys.App), ("trigger", "forced"), ("result", "success")) >= 1);
        Assert.True(Value("tokencenter_refreshes_total", ("app", TestKeys.App), ("trigger", "startup"), ("result", "success")) >= 1);
        Assert.True(Value("tokencenter_refreshes_total", ("app", TestKeys.BadApp), ("result", "failure")) >= 1);
        Assert.True(Value("tokencenter_forced_refresh_refused_total", ("app", TestKeys.App), ("reason", "min_interval")) >= 1);
        Assert.True(Value("tokencenter_upstream_errors_total", ("endpoint", "token"), ("errcode", "40125")) >= 1);
        Assert.True(Value("tokencenter_upstream_duration_seconds_count", ("endpoint", "stable_token")) >= 2);
        Assert.True(Value("tokencenter_lock_acquisitions_total", ("result", "acquired")) >= 2);
        Assert.True(Value("tokencenter_token_remaining_seconds", ("app", TestKeys.App)) > 3600);
        Assert.Equal(0, Value("tokencenter_token_remaining_seconds", ("app", TestKeys.BadApp)));
        Assert.True(Value("tokencenter_rpc_requests_total", ("method", "/tokencenter.v1.TokenCenter/GetToken"), ("status", "OK")) >= 1);
        Assert.True(Value("tokencenter_rpc_requests_total", ("method", "/tokencenter.v1.TokenCenter/GetToken"), ("status", "UNAUTHENTICATED")) >= 1);
        Assert.True(Value("tokencenter_rpc_requests_total", ("method", "/tokencenter.v1.TokenCenter/ForceRefresh"), ("status", "RESOURCE_EXHAUSTED")) >= 1);
        Assert.True(Value("tokencenter_rpc_requests_total", ("method", "/tokencenter.v1.TokenCenter/GetToken"), ("status", "UNAVAILABLE")) >= 1);
        Assert.Equal(1, Value("tokencenter_watch_subscribers"));
    }
}
