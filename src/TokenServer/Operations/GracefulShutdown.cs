using TokenCenter.Server.Engine;
using TokenCenter.Server.Observability;

namespace TokenCenter.Server.Operations;

/// <summary>
/// Once the listeners have drained (Kestrel stops accepting, WatchTokens streams end with UNAVAILABLE),
/// waits for refreshes still in flight — bounded by <c>HostOptions.ShutdownTimeout</c> — then releases
/// every distributed lock this replica still holds, so another replica can refresh at once.
/// </summary>
internal sealed partial class GracefulShutdown(TokenEngine engine, InstrumentedLock locks, ILogger<GracefulShutdown> logger) : IHostedLifecycleService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        var inFlight = engine.Slots.Select(s => s.InFlight).OfType<Task<SlotState>>().ToArray();
        if (inFlight.Length > 0)
        {
            LogWaiting(logger, inFlight.Length);
            try
            {
                await Task.WhenAll(inFlight).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogGaveUp(logger, inFlight.Count(t => !t.IsCompleted));
            }
            catch (Exception)
            {
                // A failed refresh is logged by the engine; shutting down continues.
            }
        }

        if (locks.HeldCount > 0)
        {
            LogReleasing(logger, locks.HeldCount);
            await locks.ReleaseAllAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Stopping: waiting for {Count} refreshes in flight")]
    private static partial void LogWaiting(ILogger logger, int count);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Stopping: {Count} refreshes did not finish within the shutdown timeout")]
    private static partial void LogGaveUp(ILogger logger, int count);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Stopping: releasing {Count} refresh locks still held")]
    private static partial void LogReleasing(ILogger logger, int count);
}
