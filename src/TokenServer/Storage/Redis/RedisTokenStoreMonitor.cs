using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// Keeps the store's change propagation alive: subscribes to the events channel (retrying while
/// Redis is down) and runs the periodic version check every <see cref="RedisOptions.EventsCheckInterval"/>.
/// Never dies on a failure; failures are logged (rate-limited) by the store.
/// </summary>
/// <remarks>
/// The interval is wall-clock time (<see cref="TimeProvider.System"/>): it paces network checks, like a
/// timeout, and must keep running when tests drive token lifetimes with a fake clock.
/// </remarks>
internal sealed class RedisTokenStoreMonitor(RedisTokenStore store, IOptions<RedisOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.EventsCheckInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.EnsureSubscribedAsync(stoppingToken).ConfigureAwait(false);
                await store.CheckVersionsAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (TokenStoreUnavailableException)
            {
                // Logged by the store; retried on the next tick.
            }

            try
            {
                await Task.Delay(interval, TimeProvider.System, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
