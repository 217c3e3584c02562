using Microsoft.Extensions.Hosting;

namespace WeChatSimulator.Internal;

/// <summary>Starts the periodic ticket push with the host when <see cref="SimulatorOptions.PushTicketsPeriodically"/> is set.</summary>
internal sealed class TicketPushService(WeChatSim sim, SimulatorPushDriver driver) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (sim.Options.PushTicketsPeriodically)
        {
            driver.Start();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => driver.StopAsync();
}
