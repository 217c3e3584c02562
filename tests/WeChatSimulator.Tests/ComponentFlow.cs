using System.Text.Json;

namespace WeChatSimulator.Tests;

/// <summary>Third-party platform constants and calls, on top of <see cref="SimTestContext"/>.</summary>
internal static class ComponentFlow
{
    public const string ComponentAppId = "wx00000000000c0001";
    public const string ComponentSecret = "component-secret-000000000000001";
    public const string MessageToken = "msg-token-1";
    public const string EncodingAesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    public const string AuthorizerAppId = "wx00000000000a0001";

    public static SimulatedComponent Component(Uri? callbackUrl = null) =>
        new(ComponentAppId, ComponentSecret, MessageToken, EncodingAesKey, callbackUrl);

    /// <summary>A simulator that knows <see cref="ComponentAppId"/> (no callback URL unless given).</summary>
    public static Task<SimTestContext> StartAsync(Uri? callbackUrl = null, Action<SimulatorOptions>? configure = null) =>
        SimTestContext.StartAsync(o =>
        {
            o.Components.Add(Component(callbackUrl));
            configure?.Invoke(o);
        });

    public static async Task<string> PushTicketAsync(this SimTestContext sim)
    {
        await sim.Host.Push.PushTicketAsync(ComponentAppId);
        return sim.Sim.LatestVerifyTicket(ComponentAppId)!;
    }

    public static Task<JsonElement> ComponentTokenAsync(this SimTestContext sim, string? ticket, string secret = ComponentSecret, string componentAppId = ComponentAppId) =>
        sim.PostJsonAsync("cgi-bin/component/api_component_token", JsonSerializer.Serialize(new
        {
            component_appid = componentAppId,
            component_appsecret = secret,
            component_verify_ticket = ticket,
        }));

    public static async Task<string> NewComponentTokenAsync(this SimTestContext sim)
    {
        var json = await sim.ComponentTokenAsync(await sim.PushTicketAsync());
        return Text(json, "component_access_token");
    }

    public static Task<JsonElement> PreAuthCodeAsync(this SimTestContext sim, string componentToken) =>
        sim.PostJsonAsync(
            $"cgi-bin/component/api_create_preauthcode?component_access_token={Uri.EscapeDataString(componentToken)}",
            JsonSerializer.Serialize(new { component_appid = ComponentAppId }));

    public static Task<JsonElement> QueryAuthAsync(this SimTestContext sim, string componentToken, string authorizationCode) =>
        sim.PostJsonAsync(
            $"cgi-bin/component/api_query_auth?component_access_token={Uri.EscapeDataString(componentToken)}",
            JsonSerializer.Serialize(new { component_appid = ComponentAppId, authorization_code = authorizationCode }));

    public static Task<JsonElement> AuthorizerTokenAsync(this SimTestContext sim, string componentToken, string refreshToken, string authorizerAppId = AuthorizerAppId) =>
        sim.PostJsonAsync(
            $"cgi-bin/component/api_authorizer_token?component_access_token={Uri.EscapeDataString(componentToken)}",
            JsonSerializer.Serialize(new { component_appid = ComponentAppId, authorizer_appid = authorizerAppId, authorizer_refresh_token = refreshToken }));

    /// <summary>Authorizes <see cref="AuthorizerAppId"/> through the driver and redeems the code: (component token, authorization_info).</summary>
    public static async Task<(string ComponentToken, JsonElement Info)> AuthorizeAsync(this SimTestContext sim)
    {
        var componentToken = await sim.NewComponentTokenAsync();
        var code = await sim.Host.Push.AuthorizeAsync(ComponentAppId, AuthorizerAppId);
        var json = await sim.QueryAuthAsync(componentToken, code);
        Assert.True(json.TryGetProperty("authorization_info", out var info), $"expected authorization_info, got {json}");
        return (componentToken, info);
    }

    public static string Text(JsonElement json, string name)
    {
        Assert.True(json.TryGetProperty(name, out var value), $"expected {name}, got {json}");
        return value.GetString()!;
    }
}
