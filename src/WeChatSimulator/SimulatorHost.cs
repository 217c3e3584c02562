using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WeChatSimulator;

/// <summary>
/// The simulator on a real Kestrel listening on 127.0.0.1 (free port, HTTP/1.1), for tests that want
/// real HTTP. Dispose to stop it.
/// </summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app, Uri baseAddress, WeChatSim sim)
    {
        _app = app;
        BaseAddress = baseAddress;
        Sim = sim;
        Push = app.Services.GetRequiredService<SimulatorPushDriver>();
    }

    /// <summary>Where the simulator listens, e.g. <c>http://127.0.0.1:43123/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The simulator's state (counters, faults, clock).</summary>
    public WeChatSim Sim { get; }

    /// <summary>
    /// Posts component_verify_tickets and authorization events to the components' callback URLs. Its periodic push
    /// runs when <see cref="SimulatorOptions.PushTicketsPeriodically"/> is set, or after <see cref="SimulatorPushDriver.Start"/>.
    /// </summary>
    public SimulatorPushDriver Push { get; }

    /// <summary>
    /// Starts a simulator for <paramref name="options"/> on <paramref name="time"/> (default
    /// <see cref="TimeProvider.System"/>; pass the <see cref="ManualClock"/> the server under test uses).
    /// </summary>
    public static async Task<SimulatorHost> StartAsync(SimulatorOptions options, TimeProvider? time = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sim = new WeChatSim(options, time ?? TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        builder.Services.AddSingleton(sim);
        builder.Services.AddWeChatSimulator();
        var app = builder.Build();
        app.MapWeChatSimulator();
        try
        {
            await app.StartAsync(ct);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new SimulatorHost(app, new Uri(address.TrimEnd('/') + "/"), sim);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
