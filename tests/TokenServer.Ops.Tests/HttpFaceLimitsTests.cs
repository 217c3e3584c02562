using System.Net;
using TokenCenter.Server.Ops.Tests.Support;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>The HTTP faces (WeChat-compatible endpoints, platform callback) under the per-caller rate limit. Windows are one hour long.</summary>
public sealed class HttpFaceLimitsTests
{
    [Fact]
    public async Task Compat_endpoints_over_the_callers_rate_answer_WeChat_system_busy_and_the_callback_HTTP_429_with_Retry_After_while_health_and_metrics_stay_open()
    {
        var settings = TestKeys.Standard();
        settings["Limits:RpcPermitLimit"] = "4";
        settings["Limits:RpcWindow"] = "01:00:00";
        await using var server = await OpsServerDefaults.StartAsync(settings);
        var classic = $"cgi-bin/token?grant_type=client_credential&appid={TestKeys.App}&secret={TestKeys.AppSecret}";

        for (var i = 0; i < 4; i++)
        {
            using var ok = await server.Web.GetAsync(new Uri(classic, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await server.Web.GetAsync(new Uri(classic, UriKind.Relative));
        await AssertWeChatBusyAsync(refused);

        using var stable = await server.Web.PostAsync(new Uri("cgi-bin/stable_token", UriKind.Relative), new StringContent("{}"));
        await AssertWeChatBusyAsync(stable);
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
        await using var server = await OpsServerDefaults.StartAsync(settings);

        for (var i = 0; i < 3; i++)
        {
            using var ok = await server.Web.GetAsync(new Uri($"cgi-bin/token?grant_type=client_credential&appid={TestKeys.App}&secret={TestKeys.AppSecret}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }

    /// <summary>WeChat's shape for "retry later": HTTP 200, JSON errcode -1, the delay in the errmsg and in Retry-After.</summary>
    private static async Task AssertWeChatBusyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var delay = response.Headers.RetryAfter?.Delta;
        Assert.True(delay > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(-1, json.RootElement.GetProperty("errcode").GetInt32());
        Assert.Matches($@"^system error: .*rate limit.* retry after {delay!.Value.TotalSeconds:0} s rid: [0-9a-f]{{8}}-[0-9a-f]{{8}}-[0-9a-f]{{8}}$", json.RootElement.GetProperty("errmsg").GetString()!);
    }
}
