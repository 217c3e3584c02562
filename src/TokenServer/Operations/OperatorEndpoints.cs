using System.Reflection;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Hosting;
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
        group.MapGet("/status.json", async (HttpContext http, TokenEngine engine, Observability.RecentActivity recent, ForcedRefreshAudit audit) =>
        {
            if (StatusQueryParser.Parse(http.Request.Query) is not { } query)
            {
                return Results.Text(StatusQueryParser.Usage, "text/plain", statusCode: StatusCodes.Status400BadRequest);
            }

            var page = await engine.GetStatusPageAsync(query, http.RequestAborted).ConfigureAwait(false);
            NoStore(http);
            return Results.Json(StatusJson.From(page, query, recent.Snapshot(), audit.Recent()), StatusJsonContext.Default.StatusDocument);
        }).WithDisplayName("Status JSON");
    }

    /// <summary>
    /// <c>/metrics</c>: OpenTelemetry's Prometheus exporter, behind the same operator access check as the
    /// other operator faces (it is middleware, not a route handler, so the check runs in its branch).
    /// </summary>
    public static void MapMetrics(IApplicationBuilder app)
    {
        var access = app.ApplicationServices.GetRequiredService<OperatorAccess>();
        var listeners = app.ApplicationServices.GetRequiredService<ListenerAddresses>();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            // Only on the web and admin listeners (elsewhere /metrics is absent: 404), like the routed faces.
            predicate: http => http.Request.Path == "/metrics" && HttpMethods.IsGet(http.Request.Method)
                && (http.Connection.LocalPort == listeners.BoundPort(ListenerAddresses.Names.Web) || http.Connection.LocalPort == listeners.BoundPort(ListenerAddresses.Names.Admin)),
            path: null,
            configureBranchedPipeline: branch => branch.Use(async (http, next) =>
            {
                if (await access.RefuseAsync(http).ConfigureAwait(false) is { } refusal)
                {
                    await refusal.ExecuteAsync(http).ConfigureAwait(false);
                    return;
                }

                NoStore(http);
                await next(http).ConfigureAwait(false);
            }),
            optionsName: null);
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
