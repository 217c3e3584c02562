using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TokenCenter.Testing;

namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// A real redis-server started as a child process (no persistence), listening on a Unix socket of its
/// own only (<c>--port 0</c>), behind a <see cref="LoopbackForwarder"/> whose loopback port is bound once
/// and held: clients keep one address while the server is killed and started again for fault tests, and
/// no port is ever picked and bound later. Stopped by its pid on dispose. Tests never skip: a missing
/// redis-server fails them with a message saying how to install it. Started through <see cref="RedisFixture.StartKillableAsync()"/>.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string ServerPath = "redis-server";
    private readonly LoopbackForwarder _forwarder = LoopbackForwarder.Start();
    private Process? _process;
    private string? _socketPath;

    private RedisServer()
    {
    }

    public int Port => _forwarder.Port;

    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A StackExchange.Redis configuration string with short timeouts, fit for tests.</summary>
    public string Configuration => $"{Endpoint},{RedisContainers.ClientSettings}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a redis-server and waits until it answers PING.</summary>
    internal static async Task<RedisServer> LaunchAsync()
    {
        var server = new RedisServer();
        try
        {
            await server.StartProcessAsync().ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Kills the server at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        _forwarder.Retarget(null);
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }

            process.Dispose();
            _process = null;
        }

        if (_socketPath is { } path)
        {
            File.Delete(path);
            _socketPath = null;
        }
    }

    /// <summary>Starts the server again behind the same address (empty: nothing was persisted).</summary>
    public async Task RestartAsync()
    {
        Kill();
        await StartProcessAsync().ConfigureAwait(false);
    }

    /// <summary>Sends one command over a raw connection and returns the first line of the reply.</summary>
    public Task<string> CommandAsync(params string[] arguments) =>
        CommandAsync(new IPEndPoint(IPAddress.Loopback, Port), arguments);

    private static async Task<string> CommandAsync(EndPoint endpoint, string[] arguments)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = new StringBuilder().Append('*').Append(arguments.Length).Append("\r\n");
        foreach (var argument in arguments)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(argument)).Append("\r\n").Append(argument).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString())).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var line = await reader.ReadLineAsync().ConfigureAwait(false) ?? string.Empty;
        if (line.StartsWith('$') && line != "$-1")
        {
            return await reader.ReadLineAsync().ConfigureAwait(false) ?? string.Empty;
        }

        return line;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _forwarder.DisposeAsync().ConfigureAwait(false);
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(ServerPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // A fresh socket path per start: nothing to bind on TCP (port 0 turns TCP off), so nothing to race for.
        var socketPath = Path.Combine(Path.GetTempPath(), $"tc-redis-{Guid.NewGuid():N}.sock");
        foreach (var argument in new[] { "--port", "0", "--unixsocket", socketPath, "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                "redis-server was not found on PATH. Install it (Debian: apt-get install redis-server) or set REDIS_URL.", ex);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        _socketPath = socketPath;

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (File.Exists(socketPath) && await CommandAsync(new UnixDomainSocketEndPoint(socketPath), ["PING"]).ConfigureAwait(false) == "+PONG")
                {
                    _forwarder.Retarget(new UnixDomainSocketEndPoint(socketPath));
                    return;
                }
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
            }

            if (process.HasExited || deadline.Elapsed >= TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"redis-server on {socketPath} did not answer PING (exited: {process.HasExited}).");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }
}
