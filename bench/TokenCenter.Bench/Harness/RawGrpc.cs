using System.Net;

namespace TokenCenter.Bench.Harness;

/// <summary>Plain HttpClient HTTP/2 (h2c) POSTs of framed gRPC requests, for baselines and to capture answers.</summary>
internal static class RawGrpc
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
    })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>POSTs one framed request; returns the framed response body. Throws unless grpc-status is 0.</summary>
    public static async Task<byte[]> PostAsync(HttpClient client, Uri url, byte[] frame, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var t) ? t.First()
            : response.Headers.TryGetValues("grpc-status", out var h) ? h.First() : "(none)";
        if (status != "0")
        {
            throw new InvalidOperationException($"{url} answered HTTP {(int)response.StatusCode} grpc-status {status}");
        }

        return body;
    }

    /// <summary>One uncompressed length-prefixed message.</summary>
    public static byte[] Frame(Google.Protobuf.IMessage message)
    {
        var body = Google.Protobuf.MessageExtensions.ToByteArray(message);
        var frame = new byte[5 + body.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)body.Length);
        body.CopyTo(frame, 5);
        return frame;
    }
}
