using System.Net;
using System.Net.Sockets;

namespace TokenCenter.Server.Ops.Tests.Support;

internal static class FreePort
{
    public static int Next()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
