using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using Grpc.Core;
using Grpc.Net.Client;

namespace TokenCenter.Bench.Harness;

/// <summary>
/// One TokenServer replica inside this process, composed exactly as Program.cs does
/// (<c>AddTokenServer()</c> / <c>MapTokenServer()</c>), on free loopback ports, configured only by
/// the given keys (no appsettings files, no environment), optionally on a shared fake clock.
/// </summary>
internal sealed class InProcessTokenServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessTokenServer(WebApplication app, Uri grpc, Uri web)
    {
        _app = app;
        GrpcAddress = grpc;
        WebAddress = web;
        Channel = GrpcChannel.ForAddress(grpc);
    }

    /// <summary>True when AddTokenServer ignored Redis:Configuration and the bench registered the Redis store itself.</summary>
    public static bool WiredRedisItself { get; private set; }

    public Uri GrpcAddress { get; }

    public Uri WebAddress { get; }

    /// <summary>A client channel to this replica (shared; HTTP/2 multiplexed).</summary>
    public GrpcChannel Channel { get; }

    public static async Task<InProcessTokenServer> StartAsync(BenchContext context, IEnumerable<KeyValuePair<string, string?>> configuration, TimeProvider? time, CancellationToken cancellationToken, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = context.EmptyContentRoot });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(
        [
            // Port 0: bound at start and read back (ListenerAddresses), never picked first and bound later.
            new("Listeners:Grpc", "http://127.0.0.1:0"),
            new("Listeners:Web", "http://127.0.0.1:0"),
            new("Simulator:Enabled", "false"),
            .. BenchLimits.Settings,
            .. configuration,
        ]);
        builder.Logging.ClearProviders();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.AddTokenServer();
        services?.Invoke(builder.Services);
        if (!string.IsNullOrEmpty(builder.Configuration["Redis:Configuration"]) && !Capabilities.HasRedisStore(builder.Services))
        {
            // AddTokenServer does not wire the Redis store (yet): register it as the store's own extension documents.
            (Capabilities.RedisRegistration() ?? throw new InvalidOperationException("TokenServer has no Redis store"))
                .Invoke(null, [builder.Services, builder.Configuration]);
            WiredRedisItself = true;
        }

        var app = builder.Build();
        app.MapTokenServer();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<TokenCenter.Server.Hosting.ListenerAddresses>();
        return new InProcessTokenServer(app, bound.Grpc, bound.Web);
    }

    /// <summary>Waits until GetToken answers for <paramref name="appId"/> (the first token is fetched).</summary>
    public async Task<TokenCenter.V1.Token> GetTokenAsync(string appId, CancellationToken cancellationToken) =>
        await Channel.UnaryAsync(TokenCenterMethods.GetToken, new TokenCenter.V1.GetTokenRequest { Key = BenchApps.Key(appId) }, CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken));

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
