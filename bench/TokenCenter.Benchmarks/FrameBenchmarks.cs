using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Google.Protobuf;
using TokenCenter.Protocol.Internal;
using TokenCenter.V1;

namespace TokenCenter.Benchmarks;

/// <summary>
/// Length-prefixed framing of a GetToken response (a Token of WeChat's usual size). Each category's
/// baseline is the protobuf work alone, so the ratio is the cost the framing layer adds.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class FrameBenchmarks
{
    private const int MaxMessageSize = 4 * 1024 * 1024;
    private readonly ArrayBufferWriter<byte> _writer = new(1024);
    private Token _token = null!;
    private byte[] _payload = null!;
    private byte[] _framed = null!;
    private byte[] _framedGzip = null!;

    [GlobalSetup]
    public void Setup()
    {
        _token = Samples.Token();
        _payload = _token.ToByteArray();
        _framed = GrpcFrame.ToArray(_token, gzip: false);
        _framedGzip = GrpcFrame.ToArray(_token, gzip: true);
    }

    [Benchmark(Baseline = true, Description = "protobuf serialize only")]
    [BenchmarkCategory("Encode")]
    public int SerializeOnly()
    {
        _writer.ResetWrittenCount();
        var size = _token.CalculateSize();
        _token.WriteTo(_writer.GetSpan(size)[..size]);
        _writer.Advance(size);
        return _writer.WrittenCount;
    }

    [Benchmark(Description = "GrpcFrame.Write identity")]
    [BenchmarkCategory("Encode")]
    public int EncodeFrame()
    {
        _writer.ResetWrittenCount();
        GrpcFrame.Write(_writer, _token, gzip: false);
        return _writer.WrittenCount;
    }

    [Benchmark(Description = "GrpcFrame.Write gzip")]
    [BenchmarkCategory("Encode")]
    public int EncodeFrameGzip()
    {
        _writer.ResetWrittenCount();
        GrpcFrame.Write(_writer, _token, gzip: true);
        return _writer.WrittenCount;
    }

    [Benchmark(Baseline = true, Description = "protobuf parse only")]
    [BenchmarkCategory("Decode")]
    public Token ParseOnly() => Token.Parser.ParseFrom(_payload);

    [Benchmark(Description = "GrpcFrame.TryRead+Decode identity")]
    [BenchmarkCategory("Decode")]
    public Token DecodeFrame() => ReadOne(_framed, null);

    [Benchmark(Description = "GrpcFrame.TryRead+Decode gzip")]
    [BenchmarkCategory("Decode")]
    public Token DecodeFrameGzip() => ReadOne(_framedGzip, GrpcProtocolConstants.Gzip);

    private static Token ReadOne(byte[] framed, string? encoding)
    {
        var buffer = new ReadOnlySequence<byte>(framed);
        if (!GrpcFrame.TryRead(ref buffer, MaxMessageSize, out var compressed, out var payload))
        {
            throw new InvalidOperationException("incomplete frame");
        }

        return Token.Parser.ParseFrom(GrpcFrame.Decode(payload, compressed, encoding, MaxMessageSize));
    }
}
