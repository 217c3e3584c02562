using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace TokenCenter.Bench.Servers;

/// <summary>
/// Child-process servers the scenarios compare TokenServer with. They are built like TokenServer's
/// own host (WebApplication.CreateBuilder, console logging with Microsoft.AspNetCore at Warning,
/// server GC, one h2c-only Kestrel listener on loopback), so the only difference is what answers.
/// </summary>
internal static class ServeMode
{
    /// <summary>The line a serve-* child prints once it listens (it binds port 0 unless --port is given).</summary>
    public const string ListeningLine = "serve-mode listening on ";

    public static WebApplicationBuilder CreateBuilder(string[] args, out int port)
    {
        port = int.Parse(Option(args, "--port") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var contentRoot = Option(args, "--contentRoot") ?? AppContext.BaseDirectory;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        });
        var listenPort = port;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, listenPort, o => o.Protocols = HttpProtocols.Http2));
        return builder;
    }

    /// <summary>Prints <see cref="ListeningLine"/> with the bound address once <paramref name="app"/> listens.</summary>
    public static void AnnounceAddress(WebApplication app) =>
        app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(ListeningLine + app.Urls.First()));

    public static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static IEnumerable<string> Options(string[] args, string name)
    {
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == name)
            {
                yield return args[i + 1];
            }
        }
    }
}
