using System.Net;
using System.Net.Sockets;

namespace TokenCenter.Testing;

/// <summary>
/// For a child process that can neither bind port 0 and report the port nor listen on a Unix socket
/// (Prometheus): a loopback port that was free a moment ago. Another socket may take it before the
/// child binds it, so the caller must start the child again with a new candidate when it fails with
/// "address already in use". In-process servers bind port 0 instead.
/// </summary>
public static class ChildProcessPort
{
    public static int Candidate()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
