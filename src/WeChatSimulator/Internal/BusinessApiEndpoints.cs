using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace WeChatSimulator.Internal;

/// <summary>Business APIs that validate <c>?access_token=</c>: get_api_domain_ip and ticket/getticket.</summary>
internal static class BusinessApiEndpoints
{
    /// <summary>A sample of the addresses WeChat lists for api.weixin.qq.com.</summary>
    private static readonly string[] ApiDomainIps =
        ["101.226.103.0/25", "101.226.233.128/25", "58.247.206.128/25", "182.254.11.0/24", "180.163.15.0/24"];

    public static async Task GetApiDomainIpAsync(HttpContext context)
    {
        var sim = context.RequestServices.GetRequiredService<WeChatSim>();
        await WeChatJson.SimulateLatencyAsync(context, sim);
        var errcode = sim.CheckBusinessCall(context.Request.Query["access_token"], WeChatSim.ApiDomainIpEndpoint);
        if (errcode != 0)
        {
            await WeChatJson.WriteErrorAsync(context, sim, errcode);
            return;
        }

        await WeChatJson.WriteAsync(context, w =>
        {
            w.WriteStartArray("ip_list");
            foreach (var ip in ApiDomainIps)
            {
                w.WriteStringValue(ip);
            }

            w.WriteEndArray();
        });
    }

    public static async Task GetTicketAsync(HttpContext context)
    {
        var sim = context.RequestServices.GetRequiredService<WeChatSim>();
        await WeChatJson.SimulateLatencyAsync(context, sim);
        var query = context.Request.Query;
        var reply = sim.RequestTicket(query["access_token"], query["type"]);
        if (reply.ErrCode != 0)
        {
            await WeChatJson.WriteErrorAsync(context, sim, reply.ErrCode);
            return;
        }

        await WeChatJson.WriteAsync(context, w =>
        {
            w.WriteNumber("errcode", 0);
            w.WriteString("errmsg", "ok");
            w.WriteString("ticket", reply.Credential);
            w.WriteNumber("expires_in", reply.ExpiresIn);
        });
    }
}
