using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TokenCenter.Server.Hosting;

/// <summary>Writes /readyz as JSON: overall status, then each check with the reason it is not healthy.</summary>
internal static class ReadinessResponseWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
