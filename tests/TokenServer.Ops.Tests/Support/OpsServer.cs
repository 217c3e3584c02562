using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Server.Hosting;
using TokenCenter.V1;
using WeChatSimulator;

namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>
/// The real TokenServer (AddTokenServer / MapTokenServer) on loopback ports with the embedded simulator
/// as upstream, in the Production environment unless told otherwise, with every log line captured.
/// </summary>
public sealed class OpsServer : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    private OpsServer(WebApplication app, CapturingLoggerProvider logs, Uri grpc, Uri web, Uri? admin)
    {
        App = app;
        Logs = logs;
        GrpcAddress = grpc;
        WebAddress = web;
        AdminAddress = admin;
        Web = new HttpClient { BaseAddress = web, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public CapturingLoggerProvider Logs { get; }

    public Uri GrpcAddress { get; }

    public Uri WebAddress { get; }

    public Uri? AdminAddress { get; }

    public HttpClient Web { get; }

    public WeChatSim Simulator => App.Services.GetRequiredService<WeChatSim>();


    public static async Task<OpsServer> StartAsync(IDictionary<string, string?> settings, string environment = "Production", bool admin = false, bool waitReady = true)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment, ContentRootPath = AppContext.BaseDirectory });
        var config = new Dictionary<string, string?>(settings);
        config.TryAdd("Simulator:Enabled", "true");
        config.TryAdd("Secrets:Directory", Path.Combine(Path.GetTempPath(), "tokencenter-ops-tests-no-secrets"));
        // Port 0: bound at start, read back below (never a port picked first and bound later).
        config.TryAdd("Listeners:Grpc", "http://127.0.0.1:0");
        config.TryAdd("Listeners:Web", "http://127.0.0.1:0");
        if (admin)
        {
            config["Listeners:Admin"] = "http://127.0.0.1:0";
        }

        builder.Configuration.AddInMemoryCollection(config);
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        if (Environment.GetEnvironmentVariable("TC_TEST_LOG") == "1") { builder.Logging.AddSimpleConsole(); }
        builder.AddTokenServer();
        var app = builder.Build();
        try
        {
            app.MapTokenServer();
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<ListenerAddresses>();
        var server = new OpsServer(app, logs, bound.Grpc, bound.Web, bound.Admin);
        if (waitReady)
        {
            await server.WaitForTokenAsync(TestKeys.App);
        }

        return server;
    }

    public GrpcChannel Channel(HttpMessageHandler? handler = null)
    {
        var channel = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { HttpHandler = handler });
        _channels.Add(channel);
        return channel;
    }

    public static CallOptions As(string? key, TimeSpan? timeout = null)
    {
        var headers = new Metadata();
        if (key is not null)
        {
            headers.Add("authorization", "Bearer " + key);
        }

        return new CallOptions(headers: headers, deadline: TimeProvider.System.GetUtcNow().UtcDateTime + (timeout ?? TimeSpan.FromSeconds(20)));
    }

    public static GetTokenRequest Get(string appId) => new() { Key = new TokenKey { Kind = TokenKind.AccessToken, AppId = appId } };

    public Task<Token> GetTokenAsync(string appId, string key = TestKeys.ForcerKey) =>
        Channel().UnaryAsync(TokenCenterMethods.GetToken, Get(appId), As(key));

    /// <summary>Waits (through GetToken's own wait on the first refresh) until the key holds a token.</summary>
    public async Task WaitForTokenAsync(string appId)
    {
        var key = App.Configuration.GetValue("Auth:Enabled", true) ? TestKeys.ForcerKey : null;
        await Channel().UnaryAsync(TokenCenterMethods.GetToken, Get(appId), As(key, TimeSpan.FromSeconds(30)));
    }

    public async Task<HttpResponseMessage> GetWebAsync(string path, string? key = TestKeys.OperatorKey, Uri? baseAddress = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress ?? WebAddress, path));
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await Web.SendAsync(request);
    }

    public async Task<string> GetTextAsync(string path, string? key = TestKeys.OperatorKey)
    {
        using var response = await GetWebAsync(path, key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _channels)
        {
            c.Dispose();
        }

        Web.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
