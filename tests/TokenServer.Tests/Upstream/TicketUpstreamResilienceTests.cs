using TokenServer.Tests.Support;
using static TokenServer.Tests.Support.WeChatPipelineHarness;

namespace TokenServer.Tests.Upstream;

/// <summary>getticket goes through the one WeChat pipeline: per-attempt timeout, retries on transient failures only.</summary>
public sealed class TicketUpstreamResilienceTests
{
    private const string AccessToken = "access-token-value-for-getticket-0001";

    [Theory]
    [MemberData(nameof(WeChatFaults.All), MemberType = typeof(WeChatFaults))]
    public async Task A_first_getticket_attempt_that_fails_transiently_is_retried_and_a_ticket_is_issued(WeChatFault fault)
    {
        await using var h = Create();
        h.WeChat.Fail("getticket", fault);

        var ticket = await h.Tickets.GetTicketAsync(AppId, AccessToken, "jsapi", CancellationToken.None);

        Assert.True(ticket.IsSuccess, ticket.ToString());
        Assert.Equal(TimeSpan.FromSeconds(7200), ticket.ExpiresIn);
        Assert.Equal(2, h.WeChat.Attempts("getticket"));
    }

    [Theory]
    [InlineData(40001)]
    [InlineData(42001)]
    [InlineData(45009)]
    public async Task A_final_getticket_errcode_is_answered_after_one_attempt(int errCode)
    {
        await using var h = Create();
        h.WeChat.Answer("getticket", errCode);

        var ticket = await h.Tickets.GetTicketAsync(AppId, AccessToken, "wx_card", CancellationToken.None);

        Assert.Equal(errCode, ticket.ErrCode);
        Assert.Equal(1, h.WeChat.Attempts("getticket"));
    }

    [Fact]
    public async Task Getticket_logs_carry_neither_the_access_token_nor_the_ticket()
    {
        await using var h = Create();
        h.WeChat.Fail("getticket", WeChatFault.Busy, WeChatFault.Hang, WeChatFault.Http503);

        var ticket = await h.Tickets.GetTicketAsync(AppId, AccessToken, "jsapi", CancellationToken.None);

        Assert.True(ticket.IsSuccess);
        var log = h.LogText;
        Assert.Contains("Retrying WeChat getticket for " + AppId, log, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessToken, log, StringComparison.Ordinal);
        Assert.DoesNotContain(ticket.Token!, log, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token=", log, StringComparison.Ordinal);
    }
}
