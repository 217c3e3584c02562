using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using TokenCenter.Server.WeChatCompatible;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// WeChat-compatible token endpoints, so that existing SDKs in any language can point their token URL
/// at TokenCenter (see docs/sdk-compat.md): <c>GET /cgi-bin/token</c> and <c>POST /cgi-bin/stable_token</c>.
/// </summary>
public static class WeChatCompatEndpoints
{
    private const int MaxBodyBytes = 4096;

    /// <summary>
    /// Maps <c>GET /cgi-bin/token</c> and <c>/cgi-bin/stable_token</c> (POST; other methods answer 43002),
    /// answered from the <see cref="TokenCenter.Server.Engine.TokenEngine"/> registered by <c>AddTokenServer</c>,
    /// rate limited per caller like the gRPC calls (<c>Limits:*</c>; answered in WeChat's shape, errcode -1,
    /// with <c>Retry-After</c>: see <see cref="WeChatCompatibleRateLimitAnswer"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapWeChatCompatibleEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var credentials = ActivatorUtilities.CreateInstance<WeChatCompatibleCredentials>(services);
        var probe = ActivatorUtilities.CreateInstance<TokenCenter.Server.Upstream.WeChatTokenProbe>(services);
        var force = ActivatorUtilities.CreateInstance<WeChatCompatibleForceRefresh>(services, probe);
        var service = ActivatorUtilities.CreateInstance<WeChatCompatibleTokenService>(services, credentials, force);
        var time = services.GetRequiredService<TimeProvider>();
        endpoints.MapGet("/cgi-bin/token", context => ClassicAsync(context, service, time))
            .RequireRateLimiting(TokenCenter.Server.Security.GrpcRateLimiting.HttpPolicy)
            .WithMetadata(WeChatCompatibleRateLimitAnswer.Instance);
        endpoints.Map("/cgi-bin/stable_token", context => StableAsync(context, service, time))
            .RequireRateLimiting(TokenCenter.Server.Security.GrpcRateLimiting.HttpPolicy)
            .WithMetadata(WeChatCompatibleRateLimitAnswer.Instance);
        return endpoints;
    }

    private static async Task ClassicAsync(HttpContext context, WeChatCompatibleTokenService service, TimeProvider time)
    {
        var query = context.Request.Query;
        var reply = await service.AnswerAsync(query["grant_type"], query["appid"], query["secret"], forceRefresh: false, context.RequestAborted);
        await reply.WriteAsync(context, time);
    }

    private static async Task StableAsync(HttpContext context, WeChatCompatibleTokenService service, TimeProvider time)
    {
        var body = HttpMethods.IsPost(context.Request.Method) ? await ReadBodyAsync(context) : null;
        if (body is not { } b)
        {
            await WeChatCompatibleReply.Error(WeChatCompatibleErrors.RequirePost).WriteAsync(context, time);
            return;
        }

        var reply = await service.AnswerAsync(b.GrantType, b.AppId, b.Secret, b.Force, context.RequestAborted, context.Connection.RemoteIpAddress?.ToString());
        await reply.WriteAsync(context, time);
    }

    private static async Task<(string? GrantType, string? AppId, string? Secret, bool Force)?> ReadBodyAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = document.RootElement;
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
        catch (BadHttpRequestException)
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
