using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.V1;
using Xunit.Abstractions;

namespace TokenCenter.Server.Ops.Tests;

public sealed class HardeningServerFixture : IAsyncLifetime
{
    public TestServerHost Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var c = TestKeys.Standard();
        c["Limits:RateLimiting"] = "false";
        Server = await OpsServerDefaults.StartAsync(c);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Each attack gets a precise answer, the server keeps serving, and nothing is stored.</summary>
public sealed class HardeningTests(HardeningServerFixture fixture, ITestOutputHelper output) : IClassFixture<HardeningServerFixture>
{
    private const string GetToken = "/tokencenter.v1.TokenCenter/GetToken";
    private TestServerHost Server => fixture.Server;

    [Fact]
    public async Task Random_and_truncated_frames_get_a_gRPC_status_never_UNKNOWN_and_change_nothing()
    {
        var before = await StoredVersionAsync();
        var issued = Server.Simulator().TotalIssuedTokens(TestKeys.App);
        var valid = RawGrpc.Message(OpsCalls.Get(TestKeys.App));
        var random = new Random(20261121);
        var seen = new Dictionary<string, int>();
        for (var i = 0; i < 300; i++)
        {
            byte[] body = (i % 5) switch
            {
                0 => RandomBytes(random, random.Next(0, 64)),
                1 => valid[..random.Next(1, valid.Length)],
                2 => Mutate(valid, random),
                3 => RawGrpc.Frame((byte)random.Next(0, 256), RandomBytes(random, random.Next(0, 40))),
                _ => [.. valid, .. RandomBytes(random, random.Next(1, 12))],
            };
            var result = await RawGrpc.SendAsync(Server.GrpcAddress, GetToken, body, TestKeys.ForcerKey);
            Assert.Equal(HttpStatusCode.OK, result.Response.StatusCode);
            Assert.NotNull(result.Status);
            if (result.Status == "2")
            {
                // Only for a prefix the framework refuses; a payload that is not a GetTokenRequest is INTERNAL
                // (StrictParsingMethodProvider); any other UNKNOWN would be an exception of ours.
                Assert.True(HasRefusedPrefix(body), $"UNKNOWN for a frame with a valid prefix: {Convert.ToHexString(body)}");
            }

            seen[result.Status!] = seen.GetValueOrDefault(result.Status!) + 1;
        }

        output.WriteLine("statuses: " + string.Join(", ", seen.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.Contains("13", seen.Keys); // INTERNAL for malformed frames
        // No exception of ours: every handler error logged was thrown while reading the message, before any TokenCenter code ran.
        Assert.DoesNotContain(Server.Logs.Entries, e => e.Contains("Error when executing service method", StringComparison.Ordinal)
            && e.Contains("at TokenCenter.Server.", StringComparison.Ordinal));
        await Server.GetTokenAsync(TestKeys.App);
        Assert.Equal(before, await StoredVersionAsync());
        Assert.Equal(issued, Server.Simulator().TotalIssuedTokens(TestKeys.App));
    }

    [Fact]
    public async Task A_giant_length_prefix_is_RESOURCE_EXHAUSTED_without_reading_it()
    {
        // Over Grpc:MaxReceiveMessageSize (4 MB): refused from the prefix alone (3 bytes follow it).
        var result = await RawGrpc.SendAsync(Server.GrpcAddress, GetToken, RawGrpc.Frame(0, [1, 2, 3], declaredLength: 64 * 1024 * 1024), TestKeys.ForcerKey);
        Assert.Equal("8", result.Status);
        Assert.Contains("exceeds the maximum configured message size", result.Message ?? string.Empty, StringComparison.Ordinal);

        // A prefix beyond 2 GB is refused too (Grpc.AspNetCore answers UNKNOWN "Message too large"), never read.
        var giant = await RawGrpc.SendAsync(Server.GrpcAddress, GetToken, RawGrpc.Frame(0, [1, 2, 3], declaredLength: uint.MaxValue), TestKeys.ForcerKey);
        Assert.NotNull(giant.Status);
        Assert.NotEqual("0", giant.Status);
        await Server.GetTokenAsync(TestKeys.App);
    }

    // A body Grpc.AspNetCore refuses as UNKNOWN from its first prefix alone: a compressed flag other
    // than 0 / 1, or a declared length beyond 2 GB ("Message too large"); it reads nothing further.
    private static bool HasRefusedPrefix(byte[] body) =>
        body.Length >= 5 && (body[0] > 1 || System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1)) > int.MaxValue);

    [Fact]
    public async Task A_client_that_stalls_mid_message_gets_DEADLINE_EXCEEDED_while_others_are_served()
    {
        var release = new TaskCompletionSource();
        var valid = RawGrpc.Message(OpsCalls.Get(TestKeys.App));
        var slow = RawGrpc.SendAsync(Server.GrpcAddress, GetToken, new StallingContent(valid[..3], release.Task), TestKeys.ForcerKey,
            r => r.Headers.TryAddWithoutValidation("grpc-timeout", "500m"));
        try
        {
            var token = await Server.GetTokenAsync(TestKeys.App);
            Assert.Equal(TestKeys.App, token.Key.AppId);
            var result = await slow;
            Assert.Equal("4", result.Status);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task Oversized_headers_are_refused_and_the_server_keeps_serving()
    {
        var huge = new string('x', 100_000);
        try
        {
            var result = await RawGrpc.SendAsync(Server.GrpcAddress, GetToken, RawGrpc.Message(OpsCalls.Get(TestKeys.App)), TestKeys.ForcerKey,
                r => r.Headers.TryAddWithoutValidation("x-padding", huge));
            output.WriteLine($"HTTP {(int)result.Response.StatusCode}, grpc-status {result.Status}");
            Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, result.Response.StatusCode);
        }
        catch (HttpRequestException ex)
        {
            output.WriteLine("refused at the HTTP/2 level: " + ex.Message);
        }

        await Server.GetTokenAsync(TestKeys.App);
    }

    [Fact]
    public async Task HTTP_1_1_on_the_gRPC_port_is_refused_with_400_naming_the_protocol()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Server.GrpcAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {GetToken} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n"));
        var received = new List<byte>();
        var buffer = new byte[1024];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            received.AddRange(buffer[..n]);
        }

        var text = Encoding.ASCII.GetString([.. received]);
        Assert.StartsWith("HTTP/1.1 400 Bad Request", text, StringComparison.Ordinal);
        Assert.Contains("An HTTP/1.x request was sent to an HTTP/2 only endpoint.", text, StringComparison.Ordinal);
        await Server.GetTokenAsync(TestKeys.App);
    }

    [Fact]
    public async Task Many_idle_connections_do_not_stop_the_server_from_serving()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("OPS_IDLE_CONNECTIONS"), out var n) ? n : 2000;
        var preface = Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").Concat(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }).ToArray();
        var clients = new List<TcpClient>(count);
        var watch = Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, Server.GrpcAddress.Port);
                await tcp.GetStream().WriteAsync(preface);
                clients.Add(tcp);
            }

            var opened = watch.Elapsed;
            var token = await Server.GetTokenAsync(TestKeys.App);
            Assert.Equal(TestKeys.App, token.Key.AppId);
            using var health = await Server.GetWebAsync("/healthz", key: null);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            var open = clients.Count(c => !(c.Client.Poll(0, SelectMode.SelectRead) && c.Client.Available == 0));
            output.WriteLine($"{count} idle HTTP/2 connections opened in {opened.TotalMilliseconds:0} ms; {open} still open; a GetToken was served meanwhile");
            Assert.Equal(count, open);
        }
        finally
        {
            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
    }

    private async Task<long> StoredVersionAsync()
    {
        var store = Server.App.Services.GetRequiredService<ITokenStore>();
        return (await store.GetAsync(TokenSlotKey.AccessToken(TestKeys.App), CancellationToken.None))?.Version ?? 0;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var copy = (byte[])valid.Clone();
        for (var k = 0; k < 3; k++)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }

        return copy;
    }

    private sealed class StallingContent(byte[] prefix, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(prefix);
            await stream.FlushAsync();
            await release;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
