using TokenCenter.Protocol;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;
using TokenServer.Tests.Support;

namespace TokenServer.Tests;

public sealed class TokenCenterServiceTests
{
    private static TokenKey Key(string appId = EngineHarness.AppA, TokenKind kind = TokenKind.AccessToken) => new() { Kind = kind, AppId = appId };

    private static async Task<RpcException> Rpc(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    [Theory]
    [InlineData(null, "key is required")]
    [InlineData("", "key.app_id is required for ACCESS_TOKEN")]
    [InlineData("abc", "key.app_id 'abc' is malformed: expected 'wx' followed by 16 lowercase hexadecimal characters")]
    [InlineData("wx00000000000000A1", "key.app_id 'wx00000000000000A1' is malformed: expected 'wx' followed by 16 lowercase hexadecimal characters")]
    public async Task A_missing_or_malformed_key_is_invalid_argument_with_a_precise_message(string? appId, string message)
    {
        await using var h = EngineHarness.Create();
        var request = new GetTokenRequest { Key = appId is null ? null : Key(appId) };

        var ex = await Rpc(() => h.Service.GetToken(request, new TestCallContext()));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(message, ex.Status.Detail);
    }

    [Fact]
    public async Task A_missing_or_unknown_kind_is_invalid_argument()
    {
        await using var h = EngineHarness.Create();
        var missing = await Rpc(() => h.Service.GetToken(new GetTokenRequest { Key = Key(kind: TokenKind.Unspecified) }, new TestCallContext()));
        var unknown = await Rpc(() => h.Service.GetToken(new GetTokenRequest { Key = Key(kind: (TokenKind)99) }, new TestCallContext()));

        Assert.Equal((StatusCode.InvalidArgument, "key.kind is required"), (missing.StatusCode, missing.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "key.kind 99 is unknown"), (unknown.StatusCode, unknown.Status.Detail));
    }

    [Fact]
    public async Task An_unknown_app_is_not_found()
    {
        await using var h = EngineHarness.Create();
        var ex = await Rpc(() => h.Service.GetToken(new GetTokenRequest { Key = Key(EngineHarness.AppB) }, new TestCallContext()));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("app wx00000000000000b2 is not configured", ex.Status.Detail);
    }

    [Fact]
    public async Task Force_refresh_without_a_stale_value_is_invalid_argument()
    {
        await using var h = EngineHarness.Create();
        var ex = await Rpc(() => h.Service.ForceRefresh(new ForceRefreshRequest { Key = Key() }, new TestCallContext()));

        Assert.Equal((StatusCode.InvalidArgument, "stale_value is required"), (ex.StatusCode, ex.Status.Detail));
    }

    [Fact]
    public async Task Upstream_failure_without_a_valid_token_is_unavailable_carrying_the_errcode_and_no_secret()
    {
        await using var h = EngineHarness.Create();
        h.Fake!.Override = (_, _) => UpstreamTokenResult.Failure(40125, "invalid appsecret rid: 6566-1");

        var ex = await Rpc(() => h.Service.GetToken(new GetTokenRequest { Key = Key() }, new TestCallContext()));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal("WeChat answered errcode 40125: invalid appsecret rid: 6566-1", ex.Status.Detail);
        Assert.DoesNotContain(EngineHarness.SecretA, ex.Status.Detail);
    }

    [Fact]
    public async Task A_quota_refusal_is_resource_exhausted_with_the_retry_delay_in_message_and_trailer()
    {
        await using var h = EngineHarness.Create();
        var token = await h.Service.GetToken(new GetTokenRequest { Key = Key() }, new TestCallContext());
        token = await h.Service.ForceRefresh(new ForceRefreshRequest { Key = Key(), StaleValue = token.Value }, new TestCallContext());
        h.Clock.Advance(TimeSpan.FromSeconds(3));

        var ex = await Rpc(() => h.Service.ForceRefresh(new ForceRefreshRequest { Key = Key(), StaleValue = token.Value }, new TestCallContext()));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("forced refresh of access_token::wx00000000000000a1 refused by the forced-refresh budget (minimum interval of 35 s); retry after 32 s", ex.Status.Detail);
        Assert.Equal("32000", ex.Trailers.GetValue("retry-after-ms"));
    }

    [Fact]
    public async Task Get_token_returns_the_cached_message_and_status_never_carries_the_value()
    {
        await using var h = EngineHarness.Create();
        var first = await h.Service.GetToken(new GetTokenRequest { Key = Key() }, new TestCallContext());
        var second = await h.Service.GetToken(new GetTokenRequest { Key = Key() }, new TestCallContext());
        var status = await h.Service.GetStatus(new GetStatusRequest(), new TestCallContext());

        Assert.Same(first, second);
        Assert.Equal("memory", status.Store);
        Assert.True(status.StoreReachable);
        Assert.Equal(7200, status.Keys.Single().RemainingSeconds);
        Assert.DoesNotContain(first.Value, status.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_sends_the_current_token_then_each_new_one_and_validates_keys()
    {
        await using var h = EngineHarness.Create();
        var empty = await Rpc(() => h.Service.WatchTokens(new WatchTokensRequest(), new ListWriter(), new TestCallContext()));
        Assert.Equal((StatusCode.InvalidArgument, "keys must name at least one key"), (empty.StatusCode, empty.Status.Detail));
        var bad = await Rpc(() => h.Service.WatchTokens(new WatchTokensRequest { Keys = { Key(), Key("nope") } }, new ListWriter(), new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.StartsWith("keys[1].app_id 'nope' is malformed", bad.Status.Detail, StringComparison.Ordinal);

        var token = await h.Service.GetToken(new GetTokenRequest { Key = Key() }, new TestCallContext());
        using var cts = new CancellationTokenSource();
        var writer = new ListWriter();
        var watch = h.Service.WatchTokens(new WatchTokensRequest { Keys = { Key() } }, writer, new TestCallContext(cts.Token));
        await Eventually.TrueAsync(() => writer.Count == 1, "the current token is sent");
        await h.Service.ForceRefresh(new ForceRefreshRequest { Key = Key(), StaleValue = token.Value }, new TestCallContext());
        await Eventually.TrueAsync(() => writer.Count == 2, "the new token is sent");
        await cts.CancelAsync();
        var end = await Rpc(() => watch);

        Assert.Equal(StatusCode.Cancelled, end.StatusCode);
        Assert.Equal([1L, 2L], writer.Versions);
    }

    private sealed class ListWriter : IServerStreamWriter<Token>
    {
        private readonly List<Token> _tokens = [];

        public int Count
        {
            get
            {
                lock (_tokens)
                {
                    return _tokens.Count;
                }
            }
        }

        public long[] Versions
        {
            get
            {
                lock (_tokens)
                {
                    return [.. _tokens.Select(t => t.Version)];
                }
            }
        }

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(Token message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(Token message, CancellationToken cancellationToken)
        {
            lock (_tokens)
            {
                _tokens.Add(message);
            }

            return Task.CompletedTask;
        }
    }
}
