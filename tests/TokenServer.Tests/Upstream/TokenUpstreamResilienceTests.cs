using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;
using TokenServer.Tests.Support;
using static TokenServer.Tests.Support.WeChatPipelineHarness;

namespace TokenServer.Tests.Upstream;

/// <summary>The token endpoints in the one pipeline, the calls sent once, and the pipeline's place among the client's handlers.</summary>
public sealed class TokenUpstreamResilienceTests
{
    [Theory]
    [MemberData(nameof(WeChatFaults.All), MemberType = typeof(WeChatFaults))]
    public async Task A_forced_stable_token_call_is_sent_once_while_normal_mode_is_retried(WeChatFault fault)
    {
        await using var h = Create();
        var app = new AppCredentials(AppId, Secret, AccessTokenGrant.Stable);
        h.WeChat.Fail("stable_token", fault);

        var forced = await h.Tokens.GetAccessTokenAsync(app, forceRefresh: true, CancellationToken.None);
        Assert.Equal(1, h.WeChat.Attempts("stable_token"));
        h.WeChat.Fail("stable_token", fault);
        var normal = await h.Tokens.GetAccessTokenAsync(app, forceRefresh: false, CancellationToken.None);

        Assert.Equal(-1, forced.ErrCode);
        Assert.True(normal.IsSuccess, normal.ToString());
        Assert.Equal(1 + 2, h.WeChat.Attempts("stable_token"));
    }

    [Fact]
    public async Task A_classic_token_call_is_retried_and_its_secret_never_reaches_a_log()
    {
        await using var h = Create();
        h.WeChat.Fail("token", WeChatFault.Http503, WeChatFault.Hang, WeChatFault.Busy);

        var token = await h.Tokens.GetAccessTokenAsync(new AppCredentials(AppId, Secret, AccessTokenGrant.Classic), false, CancellationToken.None);

        Assert.True(token.IsSuccess, token.ToString());
        Assert.Equal(4, h.WeChat.Attempts("token"));
        Assert.Contains("Retrying WeChat token for " + AppId, h.LogText, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, h.LogText, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Token!, h.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_call_is_not_retried_and_throws()
    {
        await using var h = Create();
        h.WeChat.Fail("token", WeChatFault.Hang);
        using var cts = new CancellationTokenSource();
        var call = h.Tokens.GetAccessTokenAsync(new AppCredentials(AppId, Secret, AccessTokenGrant.Classic), false, cts.Token);
        await Eventually.TrueAsync(() => h.WeChat.Attempts("token") == 1, "the first attempt is in flight");

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, h.WeChat.Attempts("token"));
    }

    [Fact]
    public async Task Handlers_added_to_the_WeChat_client_before_or_after_the_pipeline_run_once_per_attempt()
    {
        var before = new CountingHandler();
        var after = new CountingHandler();
        await using var h = Create(
            services: s => s.AddHttpClient(WeChatHttp.ClientName).AddHttpMessageHandler(() => before),
            after: s => s.AddHttpClient(WeChatHttp.ClientName).AddHttpMessageHandler(() => after));
        h.WeChat.Fail("getticket", WeChatFault.Busy, WeChatFault.Http503);

        var ticket = await h.Tickets.GetTicketAsync(AppId, "access-token", "jsapi", CancellationToken.None);

        Assert.True(ticket.IsSuccess);
        Assert.Equal(3, h.WeChat.Attempts("getticket"));
        Assert.Equal(3, before.Count);
        Assert.Equal(3, after.Count);
    }

    [Fact]
    public async Task AddWeChatHttpClients_twice_adds_one_pipeline()
    {
        await using var h = Create(after: s => s.AddWeChatHttpClients());
        h.WeChat.Answer("getticket", -1, times: 20);

        var ticket = await h.Tickets.GetTicketAsync(AppId, "access-token", "jsapi", CancellationToken.None);

        Assert.Equal(-1, ticket.ErrCode);
        Assert.Equal(1 + MaxRetries, h.WeChat.Attempts("getticket"));
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        private int _count;

        public int Count => _count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
