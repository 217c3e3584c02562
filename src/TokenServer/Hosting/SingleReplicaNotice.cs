using Microsoft.Extensions.Options;
using TokenCenter.Server.Storage;

namespace TokenCenter.Server.Hosting;

/// <summary>Logs once at start that tokens live in this process only (the Redis part was not added: no <c>Redis:Configuration</c>).</summary>
internal sealed partial class SingleReplicaNotice(IOptions<StorageSelection> storage, ILogger<SingleReplicaNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!storage.Value.Redis)
        {
            LogSingleReplica(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Redis:Configuration is not set: tokens are kept in memory, for a single replica only. Several replicas need Redis, or each would fetch its own token and invalidate the others'.")]
    private static partial void LogSingleReplica(ILogger logger);
}
