using Microsoft.Extensions.Hosting;
using WeChatSimulator;

namespace TokenCenter.Server.Hosting;

/// <summary>
/// With the embedded simulator: once the web listener accepts connections, pushes one component_verify_ticket to every
/// configured component's callback and starts the periodic push (every 10 simulated minutes), as WeChat does.
/// </summary>
internal sealed class SimulatorTicketPush(WeChatSim sim, SimulatorPushDriver driver, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (sim.Components.Count > 0)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                foreach (var component in sim.Components)
                {
                    _ = driver.PushTicketAsync(component.ComponentAppId, CancellationToken.None);
                }

                driver.Start();
            });
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => driver.StopAsync();
}
