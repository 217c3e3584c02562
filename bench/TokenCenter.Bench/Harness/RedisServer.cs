using System.Net.Sockets;

namespace TokenCenter.Bench.Harness;

/// <summary>A throw-away redis-server (no persistence) on a loopback port (retried on another one if taken), for multi-replica scenarios.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        Configuration = $"127.0.0.1:{port}";
    }

    /// <summary>The value for <c>Redis:Configuration</c>.</summary>
    public string Configuration { get; }

    public static async Task<RedisServer> StartAsync(BenchContext context, CancellationToken cancellationToken)
    {
        // redis-server cannot be told "port 0, tell me which": it is given a port that was free a moment
        // ago, and started again with another one when that port was taken meanwhile ("Address already in use").
        for (var attempt = 1; ; attempt++)
        {
            var port = ChildProcessPort.Candidate();
            var log = Path.Combine(context.WorkDirectory, $"redis-{port}.log");
            var process = ChildProcess.Start(
                "redis-server",
                ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                new Dictionary<string, string?>(),
                log);
            for (var i = 0; i < 100 && !process.HasExited; i++)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                    return new RedisServer(process, port);
                }
                catch (SocketException)
                {
                    await Task.Delay(50, cancellationToken);
                }
            }

            var tail = process.Tail();
            await process.DisposeAsync();
            if (attempt >= 5 || !tail.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new TimeoutException("redis-server did not start: " + tail);
            }
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
