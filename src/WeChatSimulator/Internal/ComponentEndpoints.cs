using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace WeChatSimulator.Internal;

/// <summary>
/// The third-party platform endpoints under <c>/cgi-bin/component/</c>: POST with a JSON body (any other method
/// answers 43002, a body that is not a JSON object 47001), <c>component_access_token</c> in the query.
/// </summary>
internal static class ComponentEndpoints
{
    public static Task StartPushTicketAsync(HttpContext context) => HandleAsync(context, (sim, body) =>
    {
        var componentAppId = Text(body, "component_appid");
        var errcode = sim.StartPushTicket(componentAppId, Text(body, "component_secret"));
        if (errcode != 0)
        {
            return WeChatJson.WriteErrorAsync(context, sim, errcode);
        }

        context.RequestServices.GetRequiredService<SimulatorPushDriver>().PushTicketInBackground(componentAppId!);
        return WeChatJson.WriteAsync(context, w =>
        {
            w.WriteNumber("errcode", 0);
            w.WriteString("errmsg", "ok");
        });
    });

    public static Task ComponentTokenAsync(HttpContext context) => HandleAsync(context, (sim, body) =>
    {
        var reply = sim.RequestComponentToken(Text(body, "component_appid"), Text(body, "component_appsecret"), Text(body, "component_verify_ticket"));
        return Write(context, sim, reply.ErrCode, w =>
        {
            w.WriteString("component_access_token", reply.Credential);
            w.WriteNumber("expires_in", reply.ExpiresIn);
        });
    });

    public static Task CreatePreAuthCodeAsync(HttpContext context) => HandleAsync(context, (sim, body) =>
    {
        var reply = sim.CreatePreAuthCode(context.Request.Query["component_access_token"], Text(body, "component_appid"));
        return Write(context, sim, reply.ErrCode, w =>
        {
            w.WriteString("pre_auth_code", reply.Credential);
            w.WriteNumber("expires_in", reply.ExpiresIn);
        });
    });

    public static Task QueryAuthAsync(HttpContext context) => HandleAsync(context, (sim, body) =>
    {
        var reply = sim.QueryAuth(context.Request.Query["component_access_token"], Text(body, "component_appid"), Text(body, "authorization_code"));
        return Write(context, sim, reply.ErrCode, w =>
        {
            w.WriteStartObject("authorization_info");
            w.WriteString("authorizer_appid", reply.AuthorizerAppId);
            w.WriteString("authorizer_access_token", reply.AccessToken);
            w.WriteNumber("expires_in", reply.ExpiresIn);
            w.WriteString("authorizer_refresh_token", reply.RefreshToken);
            w.WriteStartArray("func_info");
            foreach (var id in reply.FuncScopes ?? [])
            {
                w.WriteStartObject();
                w.WriteStartObject("funcscope_category");
                w.WriteNumber("id", id);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    });

    public static Task AuthorizerTokenAsync(HttpContext context) => HandleAsync(context, (sim, body) =>
    {
        var reply = sim.RequestAuthorizerToken(
            context.Request.Query["component_access_token"],
            Text(body, "component_appid"),
            Text(body, "authorizer_appid"),
            Text(body, "authorizer_refresh_token"));
        return Write(context, sim, reply.ErrCode, w =>
        {
            w.WriteString("authorizer_access_token", reply.AccessToken);
            w.WriteNumber("expires_in", reply.ExpiresIn);
            w.WriteString("authorizer_refresh_token", reply.RefreshToken);
        });
    });

    private static async Task HandleAsync(HttpContext context, Func<WeChatSim, JsonElement, Task> handle)
    {
        var sim = context.RequestServices.GetRequiredService<WeChatSim>();
        await WeChatJson.SimulateLatencyAsync(context, sim);
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await WeChatJson.WriteErrorAsync(context, sim, WeChatErrors.RequirePost);
            return;
        }

        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            await WeChatJson.WriteErrorAsync(context, sim, WeChatErrors.DataFormatError);
            return;
        }

        using (body)
        {
            if (body.RootElement.ValueKind != JsonValueKind.Object)
            {
                await WeChatJson.WriteErrorAsync(context, sim, WeChatErrors.DataFormatError);
                return;
            }

            await handle(sim, body.RootElement);
        }
    }

    private static Task Write(HttpContext context, WeChatSim sim, int errcode, Action<Utf8JsonWriter> success) =>
        errcode != 0 ? WeChatJson.WriteErrorAsync(context, sim, errcode) : WeChatJson.WriteAsync(context, success);

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
