using Google.Protobuf;
using TokenCenter.Protocol.Client;
using TokenCenter.Testing.V1;

namespace TokenCenter.Protocol.Tests;

[Collection(nameof(EchoServerCollection))]
public sealed class StreamingTests(EchoServerFixture server)
{
    [Fact]
    public async Task Stream_of_ten_thousand_messages_arrives_complete_and_in_order()
    {
        using var call = server.Channel.ServerStreaming(EchoServerFixture.StreamMethod, new EchoRequest { Message = "many", Count = 10_000 });

        var expected = 0;
        await foreach (var reply in call.ReadAllAsync())
        {
            Assert.Equal(expected++, reply.Index);
        }

        Assert.Equal(10_000, expected);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Error_after_some_messages_arrives_after_those_messages()
    {
        using var call = server.Channel.ServerStreaming(EchoServerFixture.StreamMethod,
            new EchoRequest { Message = "partial", Count = 3, FailCode = (int)StatusCode.Unavailable, FailMessage = "going away" });

        var received = new List<int>();
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var reply in call.ReadAllAsync())
            {
                received.Add(reply.Index);
            }
        });

        Assert.Equal([0, 1, 2], received);
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal("going away", ex.Status.Detail);
    }

    [Fact]
    public async Task Gzip_streaming_response_is_decoded()
    {
        using var call = server.Channel.ServerStreaming(EchoServerFixture.StreamMethod,
            new EchoRequest { Message = "gz", Count = 50, Payload = ByteString.CopyFrom(new byte[4096]) }, new CallOptions(CompressRequest: true));

        var count = 0;
        await foreach (var reply in call.ReadAllAsync())
        {
            Assert.Equal(4096, reply.Payload.Length);
            count++;
        }

        Assert.Equal(50, count);
    }

    [Fact]
    public async Task Client_that_stops_reading_holds_the_server_back_by_flow_control()
    {
        var key = "slow-reader-" + Guid.NewGuid();
        const int requested = 1_000_000;
        using var call = server.Channel.ServerStreaming(EchoServerFixture.StreamMethod,
            new EchoRequest { Message = key, Count = requested, Payload = ByteString.CopyFrom(new byte[1024]) });
        await using var reader = call.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync());

        // Stop reading. The server can only get ahead by the HTTP/2 windows and pipe buffers.
        var before = -1;
        var written = 0;
        for (var i = 0; i < 50 && written != before; i++)
        {
            before = written;
            await Task.Delay(100);
            written = server.Written.GetValueOrDefault(key);
        }

        Assert.True(written < 20_000, $"the server wrote {written} of {requested} 1 KiB messages to a client that stopped reading");
        Assert.True(written > 0);
    }
}
