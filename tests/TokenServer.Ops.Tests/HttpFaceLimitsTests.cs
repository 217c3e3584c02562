using System.Net;
using TokenCenter.Server.Ops.Tests.Support;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>The HTTP faces (WeChat-compatible endpoints, platform callback) under the per-caller rate limit. Windows are one hour long.</summary>
public sealed class HttpFaceLimitsTests
{
    [Fact]
    public async Task Compat_endpoints_and_the_callback_over_the_callers_rate_get_HTTP_429_with_Retry_After_while_health_and_metrics_stay_open()
    {
        var settings = TestKeys.Standard();
        settings["Limits:RpcPermitLimit"] = "4";
        settings["Limits:RpcWindow"] = "01:00:00";
        await using var server = await OpsServer.StartAsync(settings);
        var classic = $"cgi-bin/token?grant_type=client_credential&appid={TestKeys.App}&secret={TestKeys.AppSecret}";

        for (var i = 0; i < 4; i++)
        {
            using var ok = await server.Web.GetAsync(new Uri(classic, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await server.Web.GetAsync(new Uri(classic, UriKind.Relative));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {refused.Headers.RetryAfter}");
        Assert.Contains("rate limit", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var stable = await server.Web.PostAsync(new Uri("cgi-bin/stable_token", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, stable.StatusCode);
        using var callback = await server.Web.PostAsync(new Uri("wechat/callback/wx00000000000000c1", UriKind.Relative), new StringContent("<xml/>"));
        Assert.Equal(HttpStatusCode.TooManyRequests, callback.StatusCode);
        Assert.NotNull(callback.Headers.RetryAfter);

        for (var i = 0; i < 6; i++)
        {
            using var health = await server.GetWebAsync("healthz", key: null);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using var ready = await server.GetWebAsync("readyz", key: null);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, ready.StatusCode); // 200 or 503 (the other app's token may still be coming)
        }

        var metrics = await server.GetTextAsync("metrics");
        Assert.Contains("policy=\"http\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_rate_limiting_off_the_compat_endpoints_are_not_limited()
    {
        var settings = TestKeys.Standard();
        settings["Limits:RateLimiting"] = "false";
        settings["Limits:RpcPermitLimit"] = "1";
        settings["Limits:RpcWindow"] = "01:00:00";
        await using var server = await OpsServer.StartAsync(settings);

        for (var i = 0; i < 3; i++)
        {
            using var ok = await server.Web.GetAsync(new Uri($"cgi-bin/token?grant_type=client_credential&appid={TestKeys.App}&secret={TestKeys.AppSecret}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }
}
