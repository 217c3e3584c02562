using System.Text.RegularExpressions;

namespace TokenServer.Tests;

/// <summary>
/// Guards against a source of flaky runs: picking a "free" port (bind port 0, read it, close it) and
/// binding a server to it later. In between, any outgoing connection on the machine can be given that
/// port as its source port, and the later bind fails by chance. Servers bind port 0 themselves and the
/// bound address is read back (ListenerAddresses, a startup banner, a held forwarder).
/// </summary>
public sealed partial class PortBindingHygieneTests
{
    // Files that bind port 0 and keep the socket for as long as the port is used, or (ChildProcessPort, also linked into
    // the bench) a child process that cannot report a port-0 bind and is retried on another port when the port was taken.
    private static readonly string[] Allowed =
    [
        "tests/Shared/LoopbackForwarder.cs",
        "tests/Shared/ClosedPort.cs",
        "tests/Shared/ChildProcessPort.cs",
        "tests/TokenServer.Tests/PortBindingHygieneTests.cs",
    ];

    [Fact]
    public void No_test_or_bench_helper_picks_a_port_and_binds_it_later()
    {
        var root = RepositoryRoot();
        var offenders = new List<string>();
        foreach (var dir in new[] { "tests", "bench", "samples" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, dir), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal)
                    || relative.Contains("node_modules", StringComparison.Ordinal) || Allowed.Contains(relative)
                    || Path.GetExtension(file) is not (".cs" or ".sh" or ".js" or ".py"))
                {
                    continue;
                }

                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    if (PickedPort().IsMatch(lines[i]))
                    {
                        offenders.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
                    }
                }
            }
        }

        Assert.True(offenders.Count == 0, "Pick-then-bind port helpers found (bind port 0 in the server and read the address back):\n" + string.Join('\n', offenders));
    }

    [Theory]
    [InlineData("using var listener = new TcpListener(IPAddress.Loopback, 0);")]
    [InlineData("socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));")]
    [InlineData("free_port() { python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])'; }")]
    [InlineData("var port = FreePort.Next();")]
    public void The_guard_recognises_the_pattern(string line) => Assert.Matches(PickedPort(), line);

    [Theory]
    [InlineData("k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);")]
    [InlineData("[\"Listeners:Grpc\"] = \"http://127.0.0.1:0\",")]
    public void The_guard_allows_binding_port_0_at_once(string line) => Assert.DoesNotMatch(PickedPort(), line);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TokenCenter.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TokenCenter.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"TcpListener\s*\(\s*IPAddress\.(Loopback|Any)\s*,\s*0\s*\)|IPEndPoint\s*\(\s*IPAddress\.(Loopback|Any)\s*,\s*0\s*\)|FreePort|free_port|Ports\.Free\b|\.bind\(\(\s*[""'][0-9.]*[""']\s*,\s*0\s*\)\)")]
    private static partial Regex PickedPort();
}
