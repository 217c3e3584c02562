using System.Net;
using System.Net.Http.Headers;
using System.Text;
using TokenCenter.Protocol;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.V1;

namespace TokenCenter.Server.Ops.Tests;

public sealed class AuthTests(StandardServerFixture fixture) : IClassFixture<StandardServerFixture>
{
    private TestServerHost Server => fixture.Server;

    [Fact]
    public async Task GetToken_without_a_key_is_UNAUTHENTICATED()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(null)));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Contains("authorization: Bearer", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetToken_with_an_unknown_key_is_UNAUTHENTICATED_without_echoing_it()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.UnknownKey)));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.DoesNotContain(TestKeys.UnknownKey, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_reads_the_apps_it_is_allowed_and_is_denied_the_others()
    {
        var token = await Server.Channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ReaderKey));
        Assert.Equal(TestKeys.App, token.Key.AppId);

        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.OtherApp), OpsCalls.As(TestKeys.ReaderKey)));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains(TestKeys.OtherApp, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchTokens_checks_every_key_of_the_request()
    {
        var request = new WatchTokensRequest { Keys = { OpsCalls.Get(TestKeys.App).Key, OpsCalls.Get(TestKeys.OtherApp).Key } };
        using var call = Server.Channel.ServerStreaming(TokenCenterMethods.WatchTokens, request, OpsCalls.As(TestKeys.ReaderKey));
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in call.ReadAllAsync())
            {
            }
        });
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }

    [Fact]
    public async Task ForceRefresh_needs_CanForceRefresh()
    {
        var request = new ForceRefreshRequest { Key = OpsCalls.Get(TestKeys.App).Key, StaleValue = "not-the-current-value" };
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, request, OpsCalls.As(TestKeys.ReaderKey)));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("ForceRefresh", ex.Status.Detail, StringComparison.Ordinal);

        // Allowed key, stale value not current: answered from the center.
        var token = await Server.Channel.UnaryAsync(TokenCenterMethods.ForceRefresh, request, OpsCalls.As(TestKeys.ForcerKey));
        Assert.Equal(TestKeys.App, token.Key.AppId);
    }

    [Fact]
    public async Task GetStatus_needs_an_operator_key()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), OpsCalls.As(TestKeys.ForcerKey)));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);

        var status = await Server.Channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), OpsCalls.As(TestKeys.OperatorKey));
        Assert.Contains(status.Keys, k => k.Key.AppId == TestKeys.App && k.HasValidToken);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/status.json")]
    [InlineData("/")]
    public async Task Operator_pages_need_an_operator_key_over_http(string path)
    {
        using (var none = await Server.GetWebAsync(path, key: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Contains("Basic", none.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using (var reader = await Server.GetWebAsync(path, TestKeys.ReaderKey))
        {
            Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        }

        using (var ops = await Server.GetWebAsync(path, TestKeys.OperatorKey))
        {
            Assert.Equal(HttpStatusCode.OK, ops.StatusCode);
        }

        using var basic = new HttpRequestMessage(HttpMethod.Get, new Uri(Server.WebAddress, path));
        basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:" + TestKeys.OperatorKey)));
        using var viaBrowserAuth = await Server.Web.SendAsync(basic);
        Assert.Equal(HttpStatusCode.OK, viaBrowserAuth.StatusCode);
    }

    [Fact]
    public async Task The_loopback_admin_listener_serves_operator_pages_without_a_key()
    {
        using var response = await Server.GetWebAsync("/metrics", key: null, baseAddress: Server.AdminAddress);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var web = await Server.GetWebAsync("/metrics", key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, web.StatusCode);
    }

    [Fact]
    public async Task Health_needs_no_key()
    {
        var reply = await Server.Channel.UnaryAsync(HealthMethods.Check, new global::Grpc.Health.V1.HealthCheckRequest(), OpsCalls.As(null));
        Assert.NotEqual(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Unknown, reply.Status);
    }

    [Fact]
    public async Task Authentication_is_on_by_default_outside_Development_and_then_needs_keys()
    {
        var settings = new Dictionary<string, string?> { ["TokenCenter:Apps:0:AppId"] = TestKeys.App, ["TokenCenter:Apps:0:Secret"] = TestKeys.AppSecret };
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => OpsServerDefaults.StartAsync(settings, waitReady: false));
        Assert.Contains("Auth:Keys", ex.Message, StringComparison.Ordinal);

        await using var dev = await OpsServerDefaults.StartAsync(settings, environment: "Development");
        var token = await dev.Channel.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(null));
        Assert.Equal(TestKeys.App, token.Key.AppId);
    }
}
