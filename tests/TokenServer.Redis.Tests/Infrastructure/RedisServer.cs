using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TokenServer.Redis.Tests.Infrastructure;

/// <summary>
/// A real redis-server started as a child process on a free loopback port (no persistence). It can
/// be killed and restarted on the same port for fault tests, and is stopped by its pid on dispose.
/// Tests never skip: a missing redis-server fails them with a message saying how to install it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string ServerPath = "redis-server";
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A StackExchange.Redis configuration string with short timeouts, fit for tests.</summary>
    public string Configuration => $"{Endpoint},connectTimeout=1000,syncTimeout=1000,connectRetry=1";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a redis-server on a free port and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort());
        await server.StartProcessAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Starts <paramref name="count"/> independent servers (e.g. Redlock masters).</summary>
    public static async Task<RedisServer[]> StartManyAsync(int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => StartAsync())).ConfigureAwait(false);

    /// <summary>Kills the server at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
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
    }

    /// <summary>Starts the server again on the same port (empty: nothing was persisted).</summary>
    public async Task RestartAsync()
    {
        Kill();
        await StartProcessAsync().ConfigureAwait(false);
    }

    /// <summary>Sends one command over a raw connection and returns the first line of the reply.</summary>
    public async Task<string> CommandAsync(params string[] arguments)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port).ConfigureAwait(false);
        var stream = client.GetStream();
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

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(ServerPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
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

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await CommandAsync("PING").ConfigureAwait(false) == "+PONG")
                {
                    return;
                }
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
            }

            if (process.HasExited || deadline.Elapsed >= TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING (exited: {process.HasExited}).");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
