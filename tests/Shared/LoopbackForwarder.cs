using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace TokenCenter.Testing;

/// <summary>
/// A TCP forwarder on a loopback port that it binds once (port 0) and holds until disposed, in front of
/// a server that tests stop and start again (a TokenServer, a redis-server). Clients keep one address
/// across restarts while each new backend binds port 0 of its own. Restarting a server "on the same
/// port" instead would mean giving the port up and binding it again later, and in between any
/// outgoing connection on the machine can be handed that port as its source port: the rebind then
/// fails by chance. While no backend is set, connections are accepted and reset at once.
/// </summary>
public sealed class LoopbackForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, (Socket Client, Socket Backend)> _pairs = new();
    private readonly Task _acceptLoop;
    private volatile EndPoint? _backend;
    private int _nextId;

    private LoopbackForwarder(EndPoint? backend)
    {
        _backend = backend;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The port clients connect to; the same for the forwarder's whole life.</summary>
    public int Port { get; }

    /// <summary>Starts a forwarder to <paramref name="backend"/>, a TCP or Unix-domain endpoint (none: connections are reset).</summary>
    public static LoopbackForwarder Start(EndPoint? backend = null) => new(backend);

    /// <summary>Forwards new connections to <paramref name="backend"/> (null: reset them). Existing ones are dropped.</summary>
    public void Retarget(EndPoint? backend)
    {
        _backend = backend;
        DropAll();
    }

    /// <summary>Resets every forwarded connection, as a crashed server's connections would be.</summary>
    public void DropAll()
    {
        foreach (var id in _pairs.Keys)
        {
            if (_pairs.TryRemove(id, out var pair))
            {
                Reset(pair.Client);
                Reset(pair.Backend);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        DropAll();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        client.NoDelay = true;
        var target = _backend;
        var unix = target?.AddressFamily == AddressFamily.Unix;
        var backend = new Socket(unix ? AddressFamily.Unix : AddressFamily.InterNetwork, SocketType.Stream, unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        if (!unix)
        {
            backend.NoDelay = true;
        }

        try
        {
            if (target is null)
            {
                throw new SocketException((int)SocketError.ConnectionRefused);
            }

            await backend.ConnectAsync(target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Reset(client);
            Reset(backend);
            return;
        }

        var id = Interlocked.Increment(ref _nextId);
        _pairs[id] = (client, backend);
        if (!ReferenceEquals(target, _backend))
        {
            // Retargeted while connecting: this connection belongs to the old backend.
            _pairs.TryRemove(id, out _);
            Reset(client);
            Reset(backend);
            return;
        }

        // A clean end of one direction is passed on as a half-close; an error on either resets both.
        await Task.WhenAll(PumpAsync(client, backend, id), PumpAsync(backend, client, id)).ConfigureAwait(false);
        if (_pairs.TryRemove(id, out _))
        {
            client.Close();
            backend.Close();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, int id)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (_pairs.TryRemove(id, out var pair))
            {
                Reset(pair.Client);
                Reset(pair.Backend);
            }
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            if (socket.AddressFamily != AddressFamily.Unix)
            {
                socket.LingerState = new LingerOption(true, 0); // close with RST, as a dead peer's kernel would
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        socket.Close();
    }
}
