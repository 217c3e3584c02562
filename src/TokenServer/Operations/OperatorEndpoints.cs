using System.Reflection;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Hosting;
using TokenCenter.Server.Observability;
using TokenCenter.Server.Security;

namespace TokenCenter.Server.Operations;

/// <summary>The operator faces on HTTP: <c>/</c> (status page), <c>/status.js</c>, <c>/status.json</c>, <c>/metrics</c>.</summary>
internal static class OperatorEndpoints
{
    private const string Csp = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var access = endpoints.ServiceProvider.GetRequiredService<OperatorAccess>();
        // The web listener (with an operator key when Auth is on) and the loopback admin listener.
        var group = endpoints.MapGroup(string.Empty).AddEndpointFilter(access.FilterAsync)
            .OnListeners(ListenerAddresses.Names.Web, ListenerAddresses.Names.Admin);
        group.MapGet("/", (HttpContext http) => Asset(http, "status.html", "text/html; charset=utf-8")).WithDisplayName("Status page");
        group.MapGet("/status.js", (HttpContext http) => Asset(http, "status.js", "text/javascript; charset=utf-8")).WithDisplayName("Status page script");
        group.MapGet("/status.json", async (HttpContext http, TokenEngine engine) =>
        {
            var reply = await engine.GetStatusAsync(http.RequestAborted).ConfigureAwait(false);
            NoStore(http);
            return Results.Json(StatusJson.From(reply), StatusJsonContext.Default.StatusDocument);
        }).WithDisplayName("Status JSON");
        group.MapGet("/metrics", (HttpContext http, PrometheusCollector collector) =>
        {
            NoStore(http);
            return Results.Text(collector.Collect(), PrometheusTextWriter.ContentType);
        }).WithDisplayName("Prometheus metrics");
    }

    private static IResult Asset(HttpContext http, string name, string contentType)
    {
        NoStore(http);
        http.Response.Headers.ContentSecurityPolicy = Csp;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("TokenCenter.Server.Operations." + name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), contentType);
    }

    private static void NoStore(HttpContext http) => http.Response.Headers.CacheControl = "no-store";
}
