using StackExchange.Redis;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// One lazily connected, shared <see cref="ConnectionMultiplexer"/> for one Redis endpoint
/// configuration. <c>abortConnect</c> is forced off: the multiplexer exists while Redis is down and
/// reconnects by itself when it returns.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly object _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private bool _disposed;

    public RedisConnection(string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        _configuration = ConfigurationOptions.Parse(configuration);
        _configuration.AbortOnConnectFail = false;
        Description = _configuration.ToString(includePassword: false);
    }

    /// <summary>The configuration without its password: safe to log and to show.</summary>
    public string Description { get; }

    /// <summary>Whether the multiplexer exists and is connected right now.</summary>
    public bool IsConnected =>
        _connecting is { IsCompletedSuccessfully: true } task && task.Result.IsConnected;

    /// <summary>The multiplexer, connecting on first use (never faults for an unreachable server).</summary>
    public Task<ConnectionMultiplexer> GetAsync()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectionMultiplexer.ConnectAsync(_configuration);
            }

            return _connecting;
        }
    }

    /// <summary>
    /// Runs one Redis operation within <paramref name="timeout"/>; any Redis failure (connection,
    /// timeout, server error) becomes a <see cref="TokenStoreUnavailableException"/> saying why.
    /// </summary>
    public async Task<T> RunAsync<T>(string operation, Func<IDatabase, Task<T>> action, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = await GetAsync().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return await action(multiplexer.GetDatabase()).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw new TokenStoreUnavailableException(Describe(operation, ex), ex) { Reason = $"Redis {operation} failed: {Cause(ex)}" };
        }
    }

    /// <summary>The kind of failure in a few words, for callers: no address, key name or client diagnostics.</summary>
    private static string Cause(Exception exception) => exception switch
    {
        RedisServerException e when e.Message.StartsWith("READONLY", StringComparison.Ordinal) => "READONLY (a read-only replica answered)",
        _ when exception.Message.Contains("requires writable", StringComparison.Ordinal) => "READONLY (no writable primary: requires writable)",
        RedisServerException e when e.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) => "CLUSTERDOWN (the cluster is down)",
        RedisServerException e when e.Message.StartsWith("LOADING", StringComparison.Ordinal) => "LOADING (Redis is loading its data)",
        RedisServerException e when e.Message.StartsWith("OOM", StringComparison.Ordinal) => "OOM (Redis refuses writes: maxmemory)",
        RedisServerException => "Redis answered an error",
        RedisConnectionException => "not connected",
        TimeoutException => "no answer in time",
        ObjectDisposedException => "the connection is closed",
        _ => exception.GetType().Name,
    };

    /// <summary>Whether <paramref name="exception"/> means Redis could not serve the request.</summary>
    public static bool IsRedisFailure(Exception exception) =>
        exception is RedisException or TimeoutException or ObjectDisposedException;

    /// <summary>A one-line reason for a failure, with the password (if any) blanked out.</summary>
    public string Describe(string operation, Exception exception)
    {
        var why = exception switch
        {
            TimeoutException when exception is not RedisTimeoutException => "no answer in time",
            _ => exception.Message,
        };
        if (!string.IsNullOrEmpty(_configuration.Password))
        {
            why = why.Replace(_configuration.Password, "*****", StringComparison.Ordinal);
        }

        return $"Redis {operation} failed ({Description}): {why}";
    }

    public async ValueTask DisposeAsync()
    {
        Task<ConnectionMultiplexer>? connecting;
        lock (_gate)
        {
            _disposed = true;
            connecting = _connecting;
        }

        if (connecting is not null)
        {
            try
            {
                var multiplexer = await connecting.ConfigureAwait(false);
                await multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
                multiplexer.Dispose();
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                // Closing a connection to a dead server: nothing left to release.
            }
        }
    }
}
