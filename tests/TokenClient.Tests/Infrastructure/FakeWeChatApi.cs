using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TokenClient.Tests.Infrastructure;

/// <summary>
/// A stand-in WeChat business API on loopback HTTP/1.1 that records every request (access_token,
/// content type, body) and answers <c>/always/{errcode}</c> with that errcode every time, and
/// <c>/once/{errcode}</c> with it the first time only (then <c>{"errcode":0,"errmsg":"ok"}</c>).
/// </summary>
public sealed class FakeWeChatApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _onceAnswered;

    private FakeWeChatApi(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static async Task<FakeWeChatApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var api = new FakeWeChatApi(app);
        app.Map("/always/{errcode:int}", (HttpContext context, int errcode) => api.AnswerAsync(context, errcode));
        app.Map("/once/{errcode:int}", (HttpContext context, int errcode) =>
            api.AnswerAsync(context, Interlocked.Exchange(ref api._onceAnswered, 1) == 0 ? errcode : 0));
        await app.StartAsync();
        api.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First() + "/");
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context, int errcode)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        Requests.Enqueue(new RecordedRequest(
            context.Request.Method,
            context.Request.Query["access_token"].ToString(),
            context.Request.ContentType,
            body.ToArray()));
        context.Response.ContentType = "application/json; encoding=utf-8";
        var errmsg = errcode == 0 ? "ok" : $"error {errcode} rid: 00000000-00000000-00000000";
        await context.Response.WriteAsync($"{{\"errcode\":{errcode},\"errmsg\":\"{errmsg}\"}}");
    }
}

public sealed record RecordedRequest(string Method, string AccessToken, string? ContentType, byte[] Body);
