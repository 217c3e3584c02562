using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace WeChatSimulator.Internal;

/// <summary><c>GET /cgi-bin/token?grant_type=client_credential&amp;appid=APPID&amp;secret=SECRET</c>.</summary>
internal static class ClassicTokenEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        var sim = context.RequestServices.GetRequiredService<WeChatSim>();
        await WeChatJson.SimulateLatencyAsync(context, sim);
        var query = context.Request.Query;
        var reply = sim.RequestClassicToken(query["grant_type"], query["appid"], query["secret"]);
        await WeChatJson.WriteTokenAsync(context, sim, reply);
    }
}
