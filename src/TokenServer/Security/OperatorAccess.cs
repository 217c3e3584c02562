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

    public async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        await RefuseAsync(context.HttpContext).ConfigureAwait(false) ?? await next(context).ConfigureAwait(false);

    /// <summary>The answer refusing <paramref name="http"/>, or null when the caller may see operator data.</summary>
    public ValueTask<IResult?> RefuseAsync(HttpContext http)
    {
        if (!registry.Enabled || IsAdminListener(http))
        {
            return ValueTask.FromResult<IResult?>(null);
        }

        var (_, caller) = CallerResolution.Resolve(http, registry);
        if (caller is null)
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"TokenCenter operators\", Bearer";
            return ValueTask.FromResult<IResult?>(Results.Text("operator API key required: send 'Authorization: Bearer <key>'\n", "text/plain", statusCode: StatusCodes.Status401Unauthorized));
        }

        if (!caller.Operator)
        {
            return ValueTask.FromResult<IResult?>(Results.Text($"API key '{caller.Name}' is not an operator key\n", "text/plain", statusCode: StatusCodes.Status403Forbidden));
        }

        return ValueTask.FromResult<IResult?>(null);
    }

    private bool IsAdminListener(HttpContext http) =>
        listeners.AdminPort is { } port && http.Connection.LocalPort == port && http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
}
