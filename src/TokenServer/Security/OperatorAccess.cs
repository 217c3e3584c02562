using System.Net;
using TokenCenter.Server.Hosting;

namespace TokenCenter.Server.Security;

/// <summary>
/// Guards the operator faces over HTTP (status page, /status.json, /metrics): allowed with an operator
/// API key (Bearer, or HTTP Basic with the key as password for browsers), to requests that reach the
/// loopback admin listener (<c>Listeners:Admin</c>), or to everyone when authentication is off.
/// </summary>
internal sealed class OperatorAccess(ApiKeyRegistry registry, ListenerAddresses listeners)
{

    public async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!registry.Enabled || IsAdminListener(http))
        {
            return await next(context).ConfigureAwait(false);
        }

        var (_, caller) = CallerResolution.Resolve(http, registry);
        if (caller is null)
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"TokenCenter operators\", Bearer";
            return Results.Text("operator API key required: send 'Authorization: Bearer <key>'\n", "text/plain", statusCode: StatusCodes.Status401Unauthorized);
        }

        if (!caller.Operator)
        {
            return Results.Text($"API key '{caller.Name}' is not an operator key\n", "text/plain", statusCode: StatusCodes.Status403Forbidden);
        }

        return await next(context).ConfigureAwait(false);
    }

    private bool IsAdminListener(HttpContext http) =>
        listeners.AdminPort is { } port && http.Connection.LocalPort == port && http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
}
