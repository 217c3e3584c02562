using System.Net;
using System.Net.Sockets;

namespace TokenCenter.Bench.Harness;

internal static class Ports
{
    /// <summary>
    /// A loopback port that was free a moment ago, for a child process that cannot bind port 0 and report
    /// it (redis-server). Any outgoing connection may take it before the child binds it: callers retry
    /// with another port on "address in use". In-process servers bind port 0 instead.
    /// </summary>
    public static int CandidateForChildProcess()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
