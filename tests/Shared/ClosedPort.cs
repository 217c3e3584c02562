using System.Net;
using System.Net.Sockets;

namespace TokenCenter.Testing;

/// <summary>
/// A loopback port where nothing listens, held for the test's lifetime: the socket is bound (port 0)
/// but never listens, so connections to it are refused and no other socket can take the port meanwhile.
/// For tests of "server unreachable".
/// </summary>
public sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>An http:// address on this port.</summary>
    public Uri Address => new($"http://127.0.0.1:{Port}/");

    public void Dispose() => _socket.Dispose();
}
