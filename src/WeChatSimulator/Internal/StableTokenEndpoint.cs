using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace WeChatSimulator.Internal;

/// <summary>
/// <c>POST /cgi-bin/stable_token</c> with a JSON body <c>{grant_type, appid, secret, force_refresh?}</c>.
/// Any other method, an empty body or a body that is not a JSON object answers 43002.
/// </summary>
internal static class StableTokenEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        var sim = context.RequestServices.GetRequiredService<WeChatSim>();
        await WeChatJson.SimulateLatencyAsync(context, sim);
        var request = HttpMethods.IsPost(context.Request.Method) ? await ReadBodyAsync(context) : null;
        if (request is null)
        {
            await WeChatJson.WriteErrorAsync(context, sim, WeChatErrors.RequirePost);
            return;
        }

        var (grantType, appId, secret, force) = request.Value;
        var reply = sim.RequestStableToken(grantType, appId, secret, force);
        await WeChatJson.WriteTokenAsync(context, sim, reply);
    }

    private static async Task<(string? GrantType, string? AppId, string? Secret, bool Force)?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return (Text(root, "grant_type"), Text(root, "appid"), Text(root, "secret"), Flag(root, "force_refresh"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && (value.ValueKind == JsonValueKind.True
            || (value.ValueKind == JsonValueKind.String && string.Equals(value.GetString(), "true", StringComparison.OrdinalIgnoreCase)));
}
