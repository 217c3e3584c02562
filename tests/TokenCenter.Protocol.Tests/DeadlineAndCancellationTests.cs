using TokenCenter.Protocol.Client;
using TokenCenter.Testing.V1;

namespace TokenCenter.Protocol.Tests;

[Collection(nameof(EchoServerCollection))]
public sealed class DeadlineAndCancellationTests(EchoServerFixture server)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Slow_handler_is_cancelled_at_the_deadline_and_the_client_sees_deadline_exceeded()
    {
        var key = "slow-" + Guid.NewGuid();

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod,
            new EchoRequest { Message = key, DelayMs = 60_000 }, CallOptions.WithTimeout(TimeSpan.FromMilliseconds(300))));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await server.CancelledSignal(key).Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task Server_ends_the_call_with_deadline_exceeded_even_if_the_handler_ignores_cancellation()
    {
        var key = "stubborn-" + Guid.NewGuid();
        var bytes = TokenCenter.Protocol.Internal.GrpcFrame.ToArray(new EchoRequest { Message = key, DelayMs = 30_000, Count = -1 }, gzip: false);

        // Raw request: only the server's deadline can end this call (the client enforces none).
        var (_, status, _) = await RawGrpc.SendAsync(server.H2cAddress, "/tokencenter.testing.v1.Echo/Unary", bytes,
            configure: r => r.Headers.TryAddWithoutValidation("grpc-timeout", "200m"));

        Assert.Equal("4", status);
    }

    [Fact]
    public async Task Client_cancellation_reaches_the_handler()
    {
        var key = "cancel-" + Guid.NewGuid();
        using var cts = new CancellationTokenSource();

        var call = server.Channel.UnaryAsync(EchoServerFixture.UnaryMethod, new EchoRequest { Message = key, DelayMs = 60_000 }, new CallOptions(CancellationToken: cts.Token));
        await WaitUntil(() => server.Cancelled.ContainsKey(key) || call.IsCompleted);
        Assert.False(call.IsCompleted);
        cts.CancelAfter(100);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await server.CancelledSignal(key).Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task Disposing_a_stream_cancels_the_server_handler()
    {
        var key = "stream-cancel-" + Guid.NewGuid();
        var call = server.Channel.ServerStreaming(EchoServerFixture.StreamMethod, new EchoRequest { Message = key, Count = 1_000_000 });
        await using (var e = call.ReadAllAsync().GetAsyncEnumerator())
        {
            Assert.True(await e.MoveNextAsync());
            call.Dispose();
        }

        await server.CancelledSignal(key).Task.WaitAsync(Generous);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var until = TimeProvider.System.GetUtcNow() + Generous;
        while (!condition() && TimeProvider.System.GetUtcNow() < until)
        {
            await Task.Delay(10);
        }
    }
}
