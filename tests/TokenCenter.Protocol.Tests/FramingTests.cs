using System.Buffers;
using Google.Protobuf;
using TokenCenter.Protocol.Internal;
using TokenCenter.Testing.V1;

namespace TokenCenter.Protocol.Tests;

public sealed class FramingTests
{
    private const int Max = 1024 * 1024;

    [Fact]
    public void Message_round_trips_through_a_frame()
    {
        var sent = new EchoReply { Message = "héllo", Index = 7, Payload = ByteString.CopyFrom(1, 2, 3) };

        var buffer = new ReadOnlySequence<byte>(GrpcFrame.ToArray(sent, gzip: false));
        Assert.True(GrpcFrame.TryRead(ref buffer, Max, out var compressed, out var payload));

        Assert.False(compressed);
        Assert.Equal(sent, EchoReply.Parser.ParseFrom(payload));
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void Frame_split_across_many_segments_is_read_only_when_complete()
    {
        var sent = new EchoReply { Message = new string('x', 5000), Index = 3 };
        var bytes = GrpcFrame.ToArray(sent, gzip: false);

        // Feed the frame 7 bytes at a time, as HTTP/2 DATA frames may split it anywhere.
        for (var available = 0; available < bytes.Length; available += 7)
        {
            var partial = Segments(bytes.AsMemory(0, available), 7);
            Assert.False(GrpcFrame.TryRead(ref partial, Max, out _, out _));
        }

        var whole = Segments(bytes, 7);
        Assert.True(GrpcFrame.TryRead(ref whole, Max, out _, out var payload));
        Assert.Equal(sent, EchoReply.Parser.ParseFrom(payload));
    }

    [Fact]
    public void Several_messages_in_one_buffer_are_read_in_order()
    {
        var bytes = Enumerable.Range(0, 5).SelectMany(i => GrpcFrame.ToArray(new EchoReply { Index = i }, gzip: false)).ToArray();
        var buffer = new ReadOnlySequence<byte>(bytes);

        var indexes = new List<int>();
        while (GrpcFrame.TryRead(ref buffer, Max, out _, out var payload))
        {
            indexes.Add(EchoReply.Parser.ParseFrom(payload).Index);
        }

        Assert.Equal([0, 1, 2, 3, 4], indexes);
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void Zero_length_message_is_a_five_byte_frame()
    {
        var bytes = GrpcFrame.ToArray(new EchoReply(), gzip: false);

        Assert.Equal(new byte[] { 0, 0, 0, 0, 0 }, bytes);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(GrpcFrame.TryRead(ref buffer, Max, out _, out var payload));
        Assert.Equal(0, payload.Length);
        Assert.Equal(new EchoReply(), EchoReply.Parser.ParseFrom(payload));
    }

    [Fact]
    public void Message_of_exactly_the_limit_is_accepted_and_one_byte_more_is_resource_exhausted()
    {
        var atLimit = new byte[5 + 100];
        atLimit[4] = 100;
        var buffer = new ReadOnlySequence<byte>(atLimit);
        Assert.True(GrpcFrame.TryRead(ref buffer, 100, out _, out var payload));
        Assert.Equal(100, payload.Length);

        var over = new byte[] { 0, 0, 0, 0, 101 };
        var overBuffer = new ReadOnlySequence<byte>(over);
        var ex = Assert.Throws<RpcException>(() => GrpcFrame.TryRead(ref overBuffer, 100, out _, out _));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("101", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Giant_length_prefix_is_refused_before_any_buffering()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0xFF, 0xFF, 0xFF, 0xFF });
        var ex = Assert.Throws<RpcException>(() => GrpcFrame.TryRead(ref buffer, Max, out _, out _));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void Compressed_flag_other_than_zero_or_one_is_internal()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 2, 0, 0, 0, 0 });
        var ex = Assert.Throws<RpcException>(() => GrpcFrame.TryRead(ref buffer, Max, out _, out _));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public void Gzip_message_round_trips_and_compressed_flag_without_encoding_is_internal()
    {
        var sent = new EchoReply { Message = new string('a', 10_000) };
        var buffer = new ReadOnlySequence<byte>(GrpcFrame.ToArray(sent, gzip: true));

        Assert.True(GrpcFrame.TryRead(ref buffer, Max, out var compressed, out var payload));
        Assert.True(compressed);
        Assert.True(payload.Length < 1000);
        Assert.Equal(sent, EchoReply.Parser.ParseFrom(GrpcFrame.Decode(payload, compressed, "gzip", Max)));

        var ex = Assert.Throws<RpcException>(() => GrpcFrame.Decode(payload, compressed, null, Max));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public void Gzip_bomb_is_stopped_at_the_message_limit()
    {
        var big = new EchoReply { Payload = ByteString.CopyFrom(new byte[2 * Max]) };
        var buffer = new ReadOnlySequence<byte>(GrpcFrame.ToArray(big, gzip: true));
        Assert.True(GrpcFrame.TryRead(ref buffer, Max, out var compressed, out var payload));

        var ex = Assert.Throws<RpcException>(() => GrpcFrame.Decode(payload, compressed, "gzip", Max));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    private static ReadOnlySequence<byte> Segments(ReadOnlyMemory<byte> bytes, int size)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null, last = null;
        for (var i = 0; i < bytes.Length; i += size)
        {
            var chunk = bytes.Slice(i, Math.Min(size, bytes.Length - i));
            last = last is null ? first = new Segment(chunk, 0) : last.Append(chunk);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
