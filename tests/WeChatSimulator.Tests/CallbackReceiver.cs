using System.Net;
using System.Threading.Channels;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace WeChatSimulator.Tests;

/// <summary>
/// A platform's callback URL on loopback Kestrel: checks <c>msg_signature</c> with the component's token, decrypts with
/// its EncodingAESKey (both through <see cref="WeChatMessageCrypto"/>), records what arrived and answers <see cref="Reply"/>.
/// </summary>
internal sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>();

    private CallbackReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>The body answered to valid messages (WeChat expects "success").</summary>
    public string Reply { get; set; } = "success";

    public static async Task<CallbackReceiver> StartAsync(string token = ComponentFlow.MessageToken, string encodingAesKey = ComponentFlow.EncodingAesKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new CallbackReceiver(app);
        var crypto = new WeChatMessageCrypto(encodingAesKey);
        app.MapPost("/wechat/callback", async context =>
        {
            var query = context.Request.Query;
            using var reader = new StreamReader(context.Request.Body);
            var envelope = XElement.Parse(await reader.ReadToEndAsync());
            var encrypt = envelope.Element("Encrypt")!.Value;
            var expected = WeChatMessageCrypto.Signature(token, query["timestamp"]!, query["nonce"]!, encrypt);
            if (query["encrypt_type"] != "aes" || query["msg_signature"] != expected)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync("bad signature");
                return;
            }

            var (xml, appId) = crypto.Decrypt(encrypt);
            receiver._received.Writer.TryWrite(new Received(envelope.Element("AppId")!.Value, appId, XElement.Parse(xml), query["timestamp"]!, query["tag"]));
            await context.Response.WriteAsync(receiver.Reply);
        });
        await app.StartAsync();
        receiver.Url = new Uri(app.Urls.First().TrimEnd('/') + "/wechat/callback");
        return receiver;
    }

    /// <summary>The next message, or a failure after 10 s of real time (delivery is asynchronous; this is not a lifetime wait).</summary>
    public async Task<Received> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    public bool TryNext(out Received? received) => _received.Reader.TryRead(out received);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>One verified, decrypted callback.</summary>
    internal sealed record Received(string EnvelopeAppId, string SealedForAppId, XElement Xml, string Timestamp, string? Tag)
    {
        public string Field(string name) => Xml.Element(name)?.Value ?? throw new InvalidOperationException($"no <{name}> in {Xml}");
    }
}
