using System.Net;
using System.Net.Http.Headers;

namespace TokenCenter.Protocol.Tests;

/// <summary>Sends hand-made gRPC requests (malformed on purpose) over h2c and reads status as a client would.</summary>
internal static class RawGrpc
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<(HttpResponseMessage Response, string? Status, string? Message)> SendAsync(
        Uri address, string path, byte[] body, string contentType = "application/grpc", Version? version = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        configure?.Invoke(request);
        var response = await Client.SendAsync(request);
        _ = await response.Content.ReadAsByteArrayAsync();
        var status = Get(response.Headers, "grpc-status") ?? Get(response.TrailingHeaders, "grpc-status");
        var message = Get(response.Headers, "grpc-message") ?? Get(response.TrailingHeaders, "grpc-message");
        return (response, status, message);
    }

    public static byte[] Frame(byte flag, uint declaredLength, byte[] payload)
    {
        var bytes = new byte[5 + payload.Length];
        bytes[0] = flag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), declaredLength);
        payload.CopyTo(bytes, 5);
        return bytes;
    }

    private static string? Get(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var v) ? string.Join(',', v) : null;
}
