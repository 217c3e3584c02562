using TokenCenter.V1;
using TokenServer.Tests.Support;
using WeChatSimulator;
using TokenCenterGrpc = TokenCenter.V1.TokenCenter;

namespace TokenServer.Tests.EndToEnd;

/// <summary>
/// What a .NET engineer does first: the generated client on Grpc.Net.Client against the real server
/// (Grpc.AspNetCore) over loopback h2c, with the embedded simulator as a (possibly slow) WeChat.
/// </summary>
public sealed class OfficialClientTests
{
    private const string AppId = "wx00000000000000f1";
    private const string Secret = "official-client-secret-0001";
    private static readonly TokenKey Key = new() { Kind = TokenKind.AccessToken, AppId = AppId };

    [Fact]
    public async Task Deadlines_of_60_days_and_99999999H_are_served()
    {
        await using var env = await Env.StartAsync();
        var sixtyDays = await env.Client.GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddDays(60));
        Assert.Equal(AppId, sixtyDays.Key.AppId);

        // The largest grpc-timeout the protocol allows (8 digits, hours): the header as a client sends it.
        var header = new HeaderRecorder(r =>
        {
            r.Headers.Remove("grpc-timeout");
            r.Headers.TryAddWithoutValidation("grpc-timeout", "99999999H");
        });
        using var channel = GrpcChannel.ForAddress(env.Server.GrpcAddress, new GrpcChannelOptions { HttpHandler = header });
        var longest = await new TokenCenterGrpc.TokenCenterClient(channel).GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddHours(1));
        Assert.Equal("99999999H", header.Last!.Headers.GetValues("grpc-timeout").Single());
        Assert.Equal(sixtyDays.Value, longest.Value);
    }

    [Fact]
    public async Task A_1_ms_deadline_is_OK_or_DEADLINE_EXCEEDED_and_the_server_keeps_serving()
    {
        await using var env = await Env.StartAsync();
        for (var i = 0; i < 50; i++)
        {
            try
            {
                await env.Client.GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddMilliseconds(1));
            }
            catch (RpcException ex)
            {
                Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
            }
        }

        Assert.Equal(AppId, (await env.Client.GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddSeconds(20))).Key.AppId);
    }

    [Fact]
    public async Task Deadlines_that_expire_while_ForceRefresh_waits_on_a_slow_WeChat_are_DEADLINE_EXCEEDED_and_the_server_keeps_serving()
    {
        await using var env = await Env.StartAsync();
        var current = await env.Client.GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddSeconds(20));
        env.Simulator.Sim.Faults.Latency = TimeSpan.FromSeconds(2);

        // The crash of the retired wire layer: three such calls ended the process (ObjectDisposedException
        // from the call context's cancellation callback). In-process here, a crash would end the test run.
        var calls = Enumerable.Range(0, 3).Select(_ => Assert.ThrowsAsync<RpcException>(() =>
            env.Client.ForceRefreshAsync(new ForceRefreshRequest { Key = Key, StaleValue = current.Value }, deadline: DateTime.UtcNow.AddMilliseconds(300)).ResponseAsync)).ToArray();
        foreach (var ex in await Task.WhenAll(calls))
        {
            Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        }

        // The refresh the calls started completes after the latency; the server serves its result.
        env.Simulator.Sim.Faults.Latency = TimeSpan.Zero;
        var after = current;
        var until = DateTime.UtcNow.AddSeconds(20);
        while (after.Version <= current.Version && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
            after = await env.Client.GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddSeconds(20));
        }

        Assert.True(after.Version > current.Version, "the refresh the expired calls started was never served");
        Assert.NotEqual(current.Value, after.Value);
    }

    [Fact]
    public async Task A_cancelled_call_is_CANCELLED_and_the_server_keeps_serving()
    {
        await using var env = await Env.StartAsync();
        var current = await env.Client.GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddSeconds(20));
        env.Simulator.Sim.Faults.Latency = TimeSpan.FromSeconds(2);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            env.Client.ForceRefreshAsync(new ForceRefreshRequest { Key = Key, StaleValue = current.Value }, cancellationToken: cts.Token).ResponseAsync);

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        env.Simulator.Sim.Faults.Latency = TimeSpan.Zero;
        Assert.Equal(AppId, (await env.Client.GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddSeconds(20))).Key.AppId);
    }

    [Fact]
    public async Task Gzip_both_ways_returns_the_same_token()
    {
        await using var env = await Env.StartAsync(new() { ["Grpc:ResponseCompressionAlgorithm"] = "gzip" });
        var recorder = new HeaderRecorder();
        using var channel = GrpcChannel.ForAddress(env.Server.GrpcAddress, new GrpcChannelOptions { HttpHandler = recorder });
        var client = new TokenCenterGrpc.TokenCenterClient(channel);
        var plain = await env.Client.GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddSeconds(20));

        // grpc-internal-encoding-request asks Grpc.Net.Client to gzip this request.
        using var call = client.GetTokenAsync(new GetTokenRequest { Key = Key }, new Metadata { { "grpc-internal-encoding-request", "gzip" } }, DateTime.UtcNow.AddSeconds(20));
        var zipped = await call.ResponseAsync;

        // Grpc.Net.Client decompresses and keeps grpc-encoding out of the metadata: read it on the wire.
        Assert.Equal("gzip", recorder.Last!.Headers.GetValues("grpc-encoding").Single());
        Assert.Equal("gzip", recorder.LastResponse!.Headers.GetValues("grpc-encoding").Single());
        Assert.Equal(plain.Value, zipped.Value);
        Assert.Equal(plain.Version, zipped.Version);
    }

    [Fact]
    public async Task WatchTokens_streams_the_current_token_then_the_one_a_ForceRefresh_stores()
    {
        await using var env = await Env.StartAsync();
        using var watch = env.Client.WatchTokens(new WatchTokensRequest { Keys = { Key } }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        var first = watch.ResponseStream.Current;

        var forced = await env.Client.ForceRefreshAsync(new ForceRefreshRequest { Key = Key, StaleValue = first.Value }, deadline: DateTime.UtcNow.AddSeconds(20));
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(forced.Version, watch.ResponseStream.Current.Version);
        Assert.True(forced.Version > first.Version);
        Assert.Equal(forced.Value, watch.ResponseStream.Current.Value);
    }

    [Fact]
    public async Task A_refused_forced_refresh_is_RESOURCE_EXHAUSTED_with_the_retry_after_ms_trailer()
    {
        await using var env = await Env.StartAsync(new() { ["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:30" });
        var current = await env.Client.GetTokenAsync(new GetTokenRequest { Key = Key }, deadline: DateTime.UtcNow.AddSeconds(20));
        var forced = await env.Client.ForceRefreshAsync(new ForceRefreshRequest { Key = Key, StaleValue = current.Value }, deadline: DateTime.UtcNow.AddSeconds(20));

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            env.Client.ForceRefreshAsync(new ForceRefreshRequest { Key = Key, StaleValue = forced.Value }, deadline: DateTime.UtcNow.AddSeconds(20)).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        var retryAfter = long.Parse(ex.Trailers.GetValue("retry-after-ms")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 30_000); // within the configured ForcedMinInterval
        Assert.Contains("retry after", ex.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>Records the last request's headers (and can rewrite them) under Grpc.Net.Client.</summary>
    private sealed class HeaderRecorder(Action<HttpRequestMessage>? rewrite = null) : DelegatingHandler(new SocketsHttpHandler())
    {
        public HttpRequestMessage? Last { get; private set; }

        public HttpResponseMessage? LastResponse { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            rewrite?.Invoke(request);
            Last = request;
            return LastResponse = await base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class Env : IAsyncDisposable
    {
        private Env(SimulatorHost simulator, TestServerHost server)
        {
            Simulator = simulator;
            Server = server;
            Client = new TokenCenterGrpc.TokenCenterClient(server.Channel);
        }

        public SimulatorHost Simulator { get; }

        public TestServerHost Server { get; }

        public TokenCenterGrpc.TokenCenterClient Client { get; }

        public static async Task<Env> StartAsync(Dictionary<string, string?>? extra = null)
        {
            var options = new SimulatorOptions();
            options.Apps.Add(new SimulatedApp(AppId, Secret));
            // WeChat's own clock: the latency fault is wall-clock, token lifetimes run on the system clock here (2 h).
            var simulator = await SimulatorHost.StartAsync(options, TimeProvider.System);
            var settings = new Dictionary<string, string?>
            {
                ["TokenCenter:Apps:0:AppId"] = AppId,
                ["TokenCenter:Apps:0:Secret"] = Secret,
                ["TokenCenter:Apps:0:Grant"] = "Classic",
                ["TokenCenter:Upstream:BaseUrl"] = simulator.BaseAddress.ToString(),
                ["TokenCenter:Upstream:RetryBaseDelay"] = "00:00:00.001",
            };
            foreach (var (k, v) in extra ?? [])
            {
                settings[k] = v;
            }

            return new Env(simulator, await TestServerHost.StartAsync(settings));
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await Simulator.DisposeAsync();
        }
    }
}
