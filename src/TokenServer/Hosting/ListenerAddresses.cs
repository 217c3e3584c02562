using System.Net;
using KestrelListenOptions = Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions;

namespace TokenCenter.Server.Hosting;

/// <summary>
/// The addresses the listeners are bound to, known once the server has started. A listener configured
/// with port 0 (e.g. <c>Listeners:Grpc=http://127.0.0.1:0</c>) gets a port from the operating system at
/// bind time; this is where it is read back (tests, the startup banner, the admin listener check and the
/// embedded simulator's upstream address all use it). Binding port 0 at once is the only race-free way
/// to get a free port: picking one and binding it later lets any outgoing connection take it meanwhile.
/// </summary>
public sealed class ListenerAddresses
{
    private readonly Dictionary<string, (Uri Configured, KestrelListenOptions Listen)> _listeners = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The gRPC listener's bound address (e.g. <c>http://127.0.0.1:41234/</c>).</summary>
    public Uri Grpc => Get(Names.Grpc) ?? throw NotBound(Names.Grpc);

    /// <summary>The web listener's bound address.</summary>
    public Uri Web => Get(Names.Web) ?? throw NotBound(Names.Web);

    /// <summary>The admin listener's bound address, or null when none is configured.</summary>
    public Uri? Admin => _listeners.ContainsKey(Names.Admin) ? Get(Names.Admin) ?? throw NotBound(Names.Admin) : null;

    /// <summary>The admin listener's port, or null when none is configured (or it is port 0 and not bound yet).</summary>
    public int? AdminPort => _listeners.ContainsKey(Names.Admin) ? BoundPort(Names.Admin) : null;

    internal void Add(string name, Uri configured, KestrelListenOptions listen)
    {
        lock (_gate)
        {
            _listeners[name] = (configured, listen);
        }
    }

    /// <summary>The bound address of listener <paramref name="name"/> (see <see cref="Names"/>), null before start.</summary>
    public Uri? Get(string name)
    {
        if (!_listeners.TryGetValue(name, out var l) || BoundPort(name) is not { } port)
        {
            return null;
        }

        // A wildcard host (0.0.0.0, [::]) is shown as configured; callers that need to connect use loopback.
        return new UriBuilder(l.Configured) { Port = port, Path = "/" }.Uri;
    }

    /// <summary>The port <paramref name="name"/> (a <see cref="Names"/> value) is bound to; null when not configured or not bound yet.</summary>
    public int? BoundPort(string name)
    {
        if (!_listeners.TryGetValue(name, out var l))
        {
            return null;
        }

        // Kestrel replaces the endpoint of a port-0 listener with the bound one when it binds.
        return (l.Listen.EndPoint as IPEndPoint)?.Port is > 0 and var port ? port : null;
    }

    private static InvalidOperationException NotBound(string name) =>
        new($"The {name} listener is not bound yet: its address is known once the server has started.");

    /// <summary>Listener names.</summary>
    public static class Names
    {
        /// <summary>The gRPC listener (<c>Listeners:Grpc</c>).</summary>
        public const string Grpc = "gRPC";

        /// <summary>The web listener (<c>Listeners:Web</c>).</summary>
        public const string Web = "web";

        /// <summary>The admin listener (<c>Listeners:Admin</c>).</summary>
        public const string Admin = "admin";
    }
}
