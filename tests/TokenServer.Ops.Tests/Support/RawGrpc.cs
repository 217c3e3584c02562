using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>Hand-made gRPC requests over h2c (malformed on purpose), reading status as a client would.</summary>
internal static class RawGrpc
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    public sealed record Result(HttpResponseMessage Response, string? HeaderStatus, string? Status, string? Message);

    public static Task<Result> SendAsync(Uri address, string path, byte[] body, string? key = null, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(address, path, new ByteArrayContent(body), key, configure);

    public static async Task<Result> SendAsync(Uri address, string path, HttpContent content, string? key = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + key);
        }

        configure?.Invoke(request);
        // Headers first: a trailers-only answer (e.g. DEADLINE_EXCEEDED while the body is still being
        // sent) carries its status there, even when the server then resets the unfinished upload.
        var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var headerStatus = Get(response.Headers, "grpc-status");
        try
        {
            _ = await response.Content.ReadAsByteArrayAsync();
        }
        catch (HttpRequestException) when (headerStatus is not null)
        {
        }

        var status = headerStatus ?? Get(response.TrailingHeaders, "grpc-status");
        var message = Get(response.Headers, "grpc-message") ?? Get(response.TrailingHeaders, "grpc-message");
        return new Result(response, headerStatus, status, message is null ? null : Uri.UnescapeDataString(message));
    }

    public static byte[] Message(IMessage message) => Frame(0, message.ToByteArray());

    public static byte[] Frame(byte flag, byte[] payload, uint? declaredLength = null)
    {
        var bytes = new byte[5 + payload.Length];
        bytes[0] = flag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(bytes, 5);
        return bytes;
    }

    private static string? Get(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var v) ? string.Join(',', v) : null;
}
