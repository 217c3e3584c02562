using TokenServer.Tests.Support;
using static TokenServer.Tests.Support.WeChatPipelineHarness;

namespace TokenServer.Tests.Upstream;

/// <summary>The component and authorizer APIs go through the one WeChat pipeline: per-attempt timeout, retries on transient failures only.</summary>
public sealed class PlatformUpstreamResilienceTests
{
    public static TheoryData<string, WeChatFault> EndpointsAndFaults()
    {
        var data = new TheoryData<string, WeChatFault>();
        foreach (var endpoint in new[] { "api_component_token", "api_authorizer_token", "api_query_auth", "api_create_preauthcode", "api_start_push_ticket" })
        {
            foreach (var fault in Enum.GetValues<WeChatFault>())
            {
                data.Add(endpoint, fault);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EndpointsAndFaults))]
    public async Task A_first_attempt_that_fails_transiently_is_retried_and_the_call_succeeds(string endpoint, WeChatFault fault)
    {
        await using var h = Create();
        h.WeChat.Fail(endpoint, fault);

        var errCode = await CallAsync(h, endpoint);

        Assert.Equal(0, errCode);
        Assert.Equal(2, h.WeChat.Attempts(endpoint));
    }

    [Theory]
    [InlineData("api_authorizer_token", 61023)]
    [InlineData("api_component_token", 61005)]
    [InlineData("api_component_token", 45009)]
    [InlineData("api_query_auth", 61009)]
    [InlineData("api_create_preauthcode", 40001)]
    public async Task A_final_errcode_is_answered_after_one_attempt(string endpoint, int errCode)
    {
        await using var h = Create();
        h.WeChat.Answer(endpoint, errCode);

        var answered = await CallAsync(h, endpoint);

        Assert.Equal(errCode, answered);
        Assert.Equal(1, h.WeChat.Attempts(endpoint));
    }

    [Fact]
    public async Task System_busy_on_every_attempt_ends_after_the_configured_retries_with_errcode_minus_one()
    {
        await using var h = Create();
        h.WeChat.Answer("api_authorizer_token", -1, times: 10);

        var answer = await h.Platform.RefreshAuthorizerTokenAsync(ComponentAppId, "component-token", AuthorizerAppId, "refresh-token", CancellationToken.None);

        Assert.Equal(-1, answer.ErrCode);
        Assert.Equal(1 + MaxRetries, h.WeChat.Attempts("api_authorizer_token"));
    }

    [Fact]
    public async Task Attempts_that_hang_past_the_timeout_every_time_end_as_no_answer()
    {
        await using var h = Create();
        h.WeChat.Fail("api_component_token", Enumerable.Repeat(WeChatFault.Hang, 1 + MaxRetries).ToArray());

        var answer = await h.Platform.GetComponentTokenAsync(ComponentAppId, ComponentSecret, "ticket", CancellationToken.None);

        Assert.Equal(-1, answer.ErrCode);
        Assert.False(answer.Answered);
        Assert.Equal(1 + MaxRetries, h.WeChat.Attempts("api_component_token"));
    }

    [Fact]
    public async Task Every_attempt_counts_as_an_upstream_call_of_the_app()
    {
        await using var h = Create();
        h.WeChat.Fail("api_authorizer_token", WeChatFault.Busy, WeChatFault.Http503);

        await h.Platform.RefreshAuthorizerTokenAsync(ComponentAppId, "component-token", AuthorizerAppId, "refresh-token", CancellationToken.None);

        var counter = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<TokenCenter.Server.Upstream.UpstreamCallCounter>(h.Services);
        Assert.Equal(3, counter.Today(AuthorizerAppId));
    }

    [Fact]
    public async Task Retry_and_failure_logs_name_the_endpoint_and_app_but_carry_no_secret_or_token()
    {
        await using var h = Create();
        const string ComponentToken = "component-access-token-value-0001";
        const string RefreshToken = "authorizer-refresh-token-value-0001";
        const string Ticket = "component-verify-ticket-value-0001";
        const string Code = "authorization-code-value-0001";
        h.WeChat.Fail("api_component_token", WeChatFault.Busy, WeChatFault.Hang)
            .Fail("api_authorizer_token", WeChatFault.Http503, WeChatFault.TransportError)
            .Fail("api_query_auth", WeChatFault.Busy)
            .Answer("api_start_push_ticket", 40125);

        Assert.Equal(0, (await h.Platform.GetComponentTokenAsync(ComponentAppId, ComponentSecret, Ticket, CancellationToken.None)).ErrCode);
        Assert.Equal(0, (await h.Platform.RefreshAuthorizerTokenAsync(ComponentAppId, ComponentToken, AuthorizerAppId, RefreshToken, CancellationToken.None)).ErrCode);
        Assert.Equal(0, (await h.Platform.QueryAuthAsync(ComponentAppId, ComponentToken, Code, CancellationToken.None)).ErrCode);
        Assert.Equal(40125, (await h.Platform.StartPushTicketAsync(ComponentAppId, ComponentSecret, CancellationToken.None)).ErrCode);

        var log = h.LogText;
        Assert.Contains("Retrying WeChat api_component_token for " + ComponentAppId, log, StringComparison.Ordinal);
        Assert.Contains("Retrying WeChat api_authorizer_token for " + AuthorizerAppId, log, StringComparison.Ordinal);
        Assert.Contains("Retrying WeChat api_query_auth for " + ComponentAppId, log, StringComparison.Ordinal);
        Assert.Contains("WeChat api_start_push_ticket for " + ComponentAppId + " answered errcode 40125", log, StringComparison.Ordinal);
        foreach (var secret in new[] { ComponentSecret, ComponentToken, RefreshToken, Ticket, Code, "component_access_token=", "wechat.invalid" }.Concat(h.WeChat.Issued))
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
        }
    }

    private static async Task<int> CallAsync(WeChatPipelineHarness h, string endpoint) => endpoint switch
    {
        "api_component_token" => (await h.Platform.GetComponentTokenAsync(ComponentAppId, ComponentSecret, "ticket", CancellationToken.None)).ErrCode,
        "api_authorizer_token" => (await h.Platform.RefreshAuthorizerTokenAsync(ComponentAppId, "component-token", AuthorizerAppId, "refresh-token", CancellationToken.None)).ErrCode,
        "api_query_auth" => (await h.Platform.QueryAuthAsync(ComponentAppId, "component-token", "code", CancellationToken.None)).ErrCode,
        "api_create_preauthcode" => (await h.Platform.CreatePreAuthCodeAsync(ComponentAppId, "component-token", CancellationToken.None)).ErrCode,
        "api_start_push_ticket" => (await h.Platform.StartPushTicketAsync(ComponentAppId, ComponentSecret, CancellationToken.None)).ErrCode,
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };
}
