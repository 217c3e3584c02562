using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;

namespace TokenCenter.Protocol.Internal;

/// <summary>
/// Length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length, then the message.
/// DATA frame boundaries have no relation to message boundaries, so reading works on a buffered
/// sequence that may hold part of a message, exactly one, or several.
/// </summary>
internal static class GrpcFrame
{
    /// <summary>
    /// Tries to take one complete message off the front of <paramref name="buffer"/>. Returns false
    /// (buffer untouched) when more bytes are needed. Throws <see cref="RpcException"/> for a
    /// message larger than <paramref name="maxMessageSize"/> or an invalid compressed flag.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < GrpcProtocolConstants.HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[GrpcProtocolConstants.HeaderSize];
        buffer.Slice(0, GrpcProtocolConstants.HeaderSize).CopyTo(header);
        var flag = header[0];
        if (flag > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid compressed flag {flag} in message header: expected 0 or 1.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message of {length} bytes exceeds the maximum message size of {maxMessageSize} bytes.");
        }

        if (buffer.Length < GrpcProtocolConstants.HeaderSize + length)
        {
            return false;
        }

        compressed = flag == 1;
        payload = buffer.Slice(GrpcProtocolConstants.HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>
    /// Turns a received payload into message bytes: checks the compressed flag against the call's
    /// encoding and inflates gzip within <paramref name="maxMessageSize"/>.
    /// </summary>
    public static ReadOnlySequence<byte> Decode(ReadOnlySequence<byte> payload, bool compressed, string? encoding, int maxMessageSize)
    {
        if (!compressed)
        {
            return payload;
        }

        if (encoding is null || encoding == GrpcProtocolConstants.Identity)
        {
            throw new RpcException(StatusCode.Internal, "Request sent a compressed message but no grpc-encoding header: the compressed flag requires a message encoding.");
        }

        if (encoding != GrpcProtocolConstants.Gzip)
        {
            throw new RpcException(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'.");
        }

        try
        {
            using var input = new ReadOnlySequenceStream(payload);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (output.Length + read > maxMessageSize)
                    {
                        throw new RpcException(StatusCode.ResourceExhausted, $"Decompressed message exceeds the maximum message size of {maxMessageSize} bytes.");
                    }

                    output.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return new ReadOnlySequence<byte>(output.GetBuffer(), 0, (int)output.Length);
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(StatusCode.Internal, "Failed to decompress a gzip message: " + ex.Message);
        }
    }

    /// <summary>Writes <paramref name="message"/> as one length-prefixed message, gzip-compressed when asked.</summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message, bool gzip)
    {
        var size = message.CalculateSize();
        if (!gzip)
        {
            var span = writer.GetSpan(GrpcProtocolConstants.HeaderSize + size);
            span[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
            message.WriteTo(span.Slice(GrpcProtocolConstants.HeaderSize, size));
            writer.Advance(GrpcProtocolConstants.HeaderSize + size);
            return;
        }

        var raw = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            message.WriteTo(raw.AsSpan(0, size));
            using var compressed = new MemoryStream();
            using (var gz = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(raw, 0, size);
            }

            var length = (int)compressed.Length;
            var span = writer.GetSpan(GrpcProtocolConstants.HeaderSize + length);
            span[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            compressed.GetBuffer().AsSpan(0, length).CopyTo(span[GrpcProtocolConstants.HeaderSize..]);
            writer.Advance(GrpcProtocolConstants.HeaderSize + length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    /// <summary>The framed bytes of one message (client requests).</summary>
    public static byte[] ToArray(IMessage message, bool gzip)
    {
        var writer = new ArrayBufferWriter<byte>(GrpcProtocolConstants.HeaderSize + message.CalculateSize());
        Write(writer, message, gzip);
        return writer.WrittenSpan.ToArray();
    }

    private sealed class ReadOnlySequenceStream(ReadOnlySequence<byte> sequence) : Stream
    {
        private ReadOnlySequence<byte> _remaining = sequence;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, _remaining.Length);
            _remaining.Slice(0, n).CopyTo(buffer);
            _remaining = _remaining.Slice(n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
