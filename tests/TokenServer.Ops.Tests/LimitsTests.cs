using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokenCenter.Protocol;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.V1;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>Windows are one hour long, so a test never races the limiter's replenishment.</summary>
public sealed class LimitsTests
{
    private static Dictionary<string, string?> Limited()
    {
        var c = TestKeys.Standard();
        c["Limits:RpcPermitLimit"] = "4";
        c["Limits:RpcWindow"] = "01:00:00";
        c["Limits:ForceRefreshPermitLimit"] = "1";
        c["Limits:ForceRefreshWindow"] = "01:00:00";
        c["Limits:WatchStreamsPerCaller"] = "1";
        c["Limits:MaxStreamsPerConnection"] = "7";
        return c;
    }

    [Fact]
    public async Task A_caller_over_its_rate_is_refused_with_RESOURCE_EXHAUSTED_trailers_only_and_others_are_not()
    {
        await using var server = await OpsServerDefaults.StartAsync(Limited());
        var channel = server.Channel;
        for (var i = 0; i < 4; i++)
        {
            await channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ReaderKey));
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ReaderKey)));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("rate limit", ex.Status.Detail, StringComparison.Ordinal);

        // On the wire: HTTP 200, grpc-status in the headers (trailers-only), not HTTP 429.
        var raw = await RawGrpc.SendAsync(server.GrpcAddress, "/tokencenter.v1.TokenCenter/GetToken", RawGrpc.Message(OpsCalls.Get(TestKeys.App)), TestKeys.ReaderKey);
        Assert.Equal(HttpStatusCode.OK, raw.Response.StatusCode);
        Assert.Equal("8", raw.HeaderStatus);

        // Another caller has its own budget.
        var token = await channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ForcerKey));
        Assert.Equal(TestKeys.App, token.Key.AppId);
    }

    [Fact]
    public async Task ForceRefresh_has_a_stricter_limit()
    {
        await using var server = await OpsServerDefaults.StartAsync(Limited());
        var channel = server.Channel;
        var request = new ForceRefreshRequest { Key = OpsCalls.Get(TestKeys.App).Key, StaleValue = "an-old-value" };
        await channel.UnaryAsync(TokenCenterMethods.ForceRefresh, request, OpsCalls.As(TestKeys.ForcerKey));
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.ForceRefresh, request, OpsCalls.As(TestKeys.ForcerKey)));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("rate limit", ex.Status.Detail, StringComparison.Ordinal);
        await channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ReaderKey));
    }

    [Fact]
    public async Task WatchTokens_streams_are_limited_per_caller_and_the_stream_limit_reaches_Kestrel()
    {
        await using var server = await OpsServerDefaults.StartAsync(Limited());
        var channel = server.Channel;
        var request = new WatchTokensRequest { Keys = { OpsCalls.Get(TestKeys.App).Key } };
        using var first = channel.ServerStreaming(TokenCenterMethods.WatchTokens, request, OpsCalls.As(TestKeys.ReaderKey));
        await using var reading = first.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await reading.MoveNextAsync());

        using var second = channel.ServerStreaming(TokenCenterMethods.WatchTokens, request, OpsCalls.As(TestKeys.ReaderKey));
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in second.ReadAllAsync())
            {
            }
        });
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("Limits:WatchStreamsPerCaller", ex.Status.Detail, StringComparison.Ordinal);

        var kestrel = server.App.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        Assert.Equal(7, kestrel.Limits.Http2.MaxStreamsPerConnection);
    }

    [Fact]
    public async Task gRPC_health_is_never_rate_limited_nor_authenticated_even_for_a_caller_over_its_rate()
    {
        await using var server = await OpsServerDefaults.StartAsync(Limited());
        var channel = server.Channel;

        // A caller without a key behind the same address as a busy one: its RPC window is spent...
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(null)));
        }

        var limited = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(null)));
        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);

        // ...and health still answers it, as often as it asks.
        for (var i = 0; i < 10; i++)
        {
            // An answer at all (no RpcException) is the point; SERVING or NOT_SERVING as readiness says.
            var reply = await channel.UnaryAsync(HealthMethods.Check, new global::Grpc.Health.V1.HealthCheckRequest(), OpsCalls.As(null));
            Assert.Contains(reply.Status, new[] { global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing });
        }

        var samples = MetricSamples.Parse(await server.GetTextAsync("/metrics"));
        Assert.True(samples.Where(m => m.Name == "tokencenter_rpc_requests_total" && m.Labels.GetValueOrDefault("method") == "/grpc.health.v1.Health/Check"
            && m.Labels.GetValueOrDefault("status") == "OK").Sum(m => m.Value) >= 10);
    }
}
