using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace WeChatSimulator.Internal;

/// <summary>
/// <c>/_sim/components</c> endpoints that drive the third-party platform side (JSON, snake_case):
/// <list type="bullet">
/// <item><c>GET /_sim/components</c> → <c>{"components":[{"component_appid","callback_url","latest_verify_ticket"}]}</c>.</item>
/// <item><c>POST /_sim/components</c> with <c>{component_appid, secret, token, encoding_aes_key, callback_url?}</c>.</item>
/// <item><c>POST /_sim/components/{appid}/callback</c> with <c>{callback_url}</c> (null clears it).</item>
/// <item><c>POST /_sim/components/{appid}/push_ticket</c> → <c>{"ticket","push":{...}}</c>.</item>
/// <item><c>POST /_sim/components/{appid}/authorize</c> with <c>{authorizer_appid, pre_auth_code?}</c> and
/// <c>/updateauthorized</c> with <c>{authorizer_appid}</c> → <c>{"authorization_code","push":{...}}</c>.</item>
/// <item><c>POST /_sim/components/{appid}/unauthorize</c> with <c>{authorizer_appid}</c> → <c>{"push":{...}}</c>.</item>
/// </list>
/// <c>push</c> is <c>{"info_type","callback_url","status_code","body","error","acknowledged"}</c>. An unknown component
/// answers 404; an impossible change (e.g. unauthorizing an account that never authorized) 409.
/// </summary>
internal static class ComponentControlEndpoints
{
    public static Task GetComponentsAsync(HttpContext context)
    {
        var sim = ControlEndpoints.Sim(context);
        return WeChatJson.WriteAsync(context, w =>
        {
            w.WriteStartArray("components");
            foreach (var component in sim.Components)
            {
                w.WriteStartObject();
                w.WriteString("component_appid", component.ComponentAppId);
                w.WriteString("callback_url", component.CallbackUrl?.ToString());
                w.WriteString("latest_verify_ticket", sim.LatestVerifyTicket(component.ComponentAppId));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    public static async Task AddComponentAsync(HttpContext context)
    {
        using var body = await ControlEndpoints.ReadObjectAsync(context);
        var root = body?.RootElement;
        var callback = root is { } r ? Text(r, "callback_url") : null;
        try
        {
            if (root is null || (callback is not null && !Uri.IsWellFormedUriString(callback, UriKind.Absolute)))
            {
                throw new ArgumentException("expected {\"component_appid\",\"secret\",\"token\",\"encoding_aes_key\",\"callback_url\"?}");
            }

            var component = new SimulatedComponent(
                Text(root.Value, "component_appid") ?? string.Empty,
                Text(root.Value, "secret") ?? string.Empty,
                Text(root.Value, "token") ?? string.Empty,
                Text(root.Value, "encoding_aes_key") ?? string.Empty,
                callback is null ? null : new Uri(callback));
            ControlEndpoints.Sim(context).AddComponent(component);
            SimulatorLog.ComponentChanged(ControlEndpoints.Logger(context), component.ComponentAppId, component.CallbackUrl);
        }
        catch (ArgumentException e)
        {
            await ControlEndpoints.BadRequest(context, e.Message);
            return;
        }

        await ControlEndpoints.Ok(context);
    }

    public static async Task SetCallbackAsync(HttpContext context, string componentAppId)
    {
        using var body = await ControlEndpoints.ReadObjectAsync(context);
        var callback = body is null ? null : Text(body.RootElement, "callback_url");
        if (body is null || (callback is not null && !Uri.IsWellFormedUriString(callback, UriKind.Absolute)))
        {
            await ControlEndpoints.BadRequest(context, "expected {\"callback_url\":\"http://...\"} (or null)");
            return;
        }

        var url = callback is null ? null : new Uri(callback);
        await RunAsync(context, componentAppId, async () =>
        {
            ControlEndpoints.Sim(context).SetComponentCallback(componentAppId, url);
            SimulatorLog.ComponentChanged(ControlEndpoints.Logger(context), componentAppId, url);
            await ControlEndpoints.Ok(context);
        });
    }

    public static Task PushTicketAsync(HttpContext context, string componentAppId) => RunAsync(context, componentAppId, async () =>
    {
        var result = await Driver(context).PushTicketAsync(componentAppId, context.RequestAborted);
        var ticket = ControlEndpoints.Sim(context).LatestVerifyTicket(componentAppId);
        await WeChatJson.WriteAsync(context, w =>
        {
            w.WriteString("ticket", ticket);
            WritePush(w, result);
        });
    });

    public static Task AuthorizeAsync(HttpContext context, string componentAppId) => ChangeAsync(context, componentAppId, "authorize", async (driver, body, authorizer) =>
        await driver.AuthorizeCoreAsync(componentAppId, authorizer, Text(body, "pre_auth_code"), update: false, context.RequestAborted));

    public static Task UpdateAuthorizedAsync(HttpContext context, string componentAppId) => ChangeAsync(context, componentAppId, "updateauthorized", async (driver, _, authorizer) =>
        await driver.AuthorizeCoreAsync(componentAppId, authorizer, preAuthCode: null, update: true, context.RequestAborted));

    public static Task UnauthorizeAsync(HttpContext context, string componentAppId) => ChangeAsync(context, componentAppId, "unauthorize", async (driver, _, authorizer) =>
        ((string?)null, await driver.UnauthorizeAsync(componentAppId, authorizer, context.RequestAborted)));

    private static async Task ChangeAsync(
        HttpContext context,
        string componentAppId,
        string action,
        Func<SimulatorPushDriver, JsonElement, string, Task<(string? Code, PushResult Push)>> change)
    {
        using var body = await ControlEndpoints.ReadObjectAsync(context);
        var authorizer = body is null ? null : Text(body.RootElement, "authorizer_appid");
        if (string.IsNullOrEmpty(authorizer))
        {
            await ControlEndpoints.BadRequest(context, "expected {\"authorizer_appid\":\"...\"}");
            return;
        }

        await RunAsync(context, componentAppId, async () =>
        {
            var (code, push) = await change(Driver(context), body!.RootElement, authorizer);
            SimulatorLog.AuthorizationChanged(ControlEndpoints.Logger(context), componentAppId, action, authorizer);
            await WeChatJson.WriteAsync(context, w =>
            {
                if (code is not null)
                {
                    w.WriteString("authorization_code", code);
                }

                WritePush(w, push);
            });
        });
    }

    /// <summary>404 for an unknown component, 409 when the simulator refuses the change.</summary>
    private static async Task RunAsync(HttpContext context, string componentAppId, Func<Task> action)
    {
        if (!ControlEndpoints.Sim(context).Components.Any(c => string.Equals(c.ComponentAppId, componentAppId, StringComparison.Ordinal)))
        {
            await WeChatJson.WriteAsync(context, w => w.WriteString("error", $"unknown component {componentAppId}"), StatusCodes.Status404NotFound);
            return;
        }

        try
        {
            await action();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            await WeChatJson.WriteAsync(context, w => w.WriteString("error", e.Message), StatusCodes.Status409Conflict);
        }
    }

    private static void WritePush(Utf8JsonWriter w, PushResult push)
    {
        w.WriteStartObject("push");
        w.WriteString("info_type", push.InfoType);
        w.WriteString("callback_url", push.CallbackUrl?.ToString());
        w.WriteNumber("status_code", push.StatusCode);
        w.WriteString("body", push.Body);
        w.WriteString("error", push.Error);
        w.WriteBoolean("acknowledged", push.Acknowledged);
        w.WriteEndObject();
    }

    private static SimulatorPushDriver Driver(HttpContext context) => context.RequestServices.GetRequiredService<SimulatorPushDriver>();

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
