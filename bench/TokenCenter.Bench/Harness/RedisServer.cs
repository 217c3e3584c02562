using System.Net.Sockets;

namespace TokenCenter.Bench.Harness;

/// <summary>A throw-away redis-server (no persistence) on a free loopback port, for multi-replica scenarios.</summary>
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
        var port = Ports.Free();
        var process = ChildProcess.Start(
            "redis-server",
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            new Dictionary<string, string?>(),
            Path.Combine(context.WorkDirectory, $"redis-{port}.log"));
        for (var i = 0; i < 100; i++)
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

        await process.DisposeAsync();
        throw new TimeoutException("redis-server did not start: " + process.Tail());
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
