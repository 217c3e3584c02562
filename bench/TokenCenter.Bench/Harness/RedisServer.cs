using System.Globalization;
using System.Net.Sockets;

namespace TokenCenter.Bench.Harness;

/// <summary>A throw-away redis-server (no persistence) on a loopback port (retried on another one if taken), for multi-replica scenarios.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
        Configuration = $"127.0.0.1:{port}";
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The value for <c>Redis:Configuration</c>.</summary>
    public string Configuration { get; }

    public static Task<RedisServer> StartAsync(BenchContext context, CancellationToken cancellationToken) =>
        StartAsync(context, "redis", _ => [], cancellationToken);

    /// <summary>
    /// Starts redis-server with <c>--port</c>, <c>--bind</c> and no persistence, then the arguments
    /// <paramref name="arguments"/> builds for the port (a config file first when it names one; a
    /// cluster node's own config file, a replica's primary; a sentinel is no data node: no persistence
    /// arguments). <paramref name="portFits"/> refuses
    /// candidates (a cluster node needs port + 10000 free too and ≤ 65535).
    /// </summary>
    public static async Task<RedisServer> StartAsync(BenchContext context, string name, Func<int, IReadOnlyList<string>> arguments, CancellationToken cancellationToken, Func<int, bool>? portFits = null, bool configFirst = false, bool dataNode = true)
    {
        // redis-server cannot be told "port 0, tell me which": it is given a port that was free a moment
        // ago, and started again with another one when that port was taken meanwhile ("Address already in use").
        for (var attempt = 1; ; attempt++)
        {
            var port = ChildProcessPort.Candidate();
            while (portFits is not null && !portFits(port))
            {
                port = ChildProcessPort.Candidate();
            }

            var log = Path.Combine(context.WorkDirectory, $"{name}-{port}.log");
            var own = arguments(port);
            // Each server its own directory: a replica writes the RDB of its full sync there as dump.rdb even without
            // save points, and a later server in a shared directory would load it (a cluster node that starts with
            // another scenario's keys is refused by `redis-cli --cluster create`: "Node … is not empty").
            var dir = Directory.CreateDirectory(Path.Combine(context.WorkDirectory, $"{name}-{port}-{Guid.NewGuid():N}")).FullName;
            string[] common = dataNode
                ? ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"]
                : ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir];
            IEnumerable<string> all = configFirst ? [own[0], .. common, .. own.Skip(1)] : [.. common, .. own];
            var process = ChildProcess.Start("redis-server", all, new Dictionary<string, string?>(), log);
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
