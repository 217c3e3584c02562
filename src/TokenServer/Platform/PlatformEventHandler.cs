using System.Globalization;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;

namespace TokenCenter.Server.Platform;

/// <summary>
/// Acts on a decrypted callback (by <c>InfoType</c>): <c>component_verify_ticket</c> (stored, latest wins; a
/// component without a valid token is refreshed at once), <c>authorized</c> / <c>updateauthorized</c>
/// (api_query_auth, then the authorizer's tokens are stored), <c>unauthorized</c> (its tokens are removed).
/// Every event is idempotent: WeChat retries deliveries.
/// </summary>
internal sealed class PlatformEventHandler(
    TokenEngine engine,
    IComponentTicketStore tickets,
    AuthorizerRegistry registry,
    IAuthorizerStore authorizers,
    IPlatformClient client,
    TimeProvider time,
    ILogger<PlatformEventHandler> logger)
{
    public async Task HandleAsync(ComponentCredentials component, Dictionary<string, string> fields, CancellationToken cancellationToken)
    {
        var infoType = fields.GetValueOrDefault("InfoType") ?? string.Empty;
        var authorizer = fields.GetValueOrDefault("AuthorizerAppid") ?? string.Empty;
        var createdAt = long.TryParse(fields.GetValueOrDefault("CreateTime"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : time.GetUtcNow();
        PlatformLog.EventReceived(logger, infoType, component.ComponentAppId, authorizer);
        switch (infoType)
        {
            case "component_verify_ticket":
                await TicketAsync(component, fields.GetValueOrDefault("ComponentVerifyTicket"), createdAt, cancellationToken).ConfigureAwait(false);
                break;
            case "authorized" or "updateauthorized":
                await AuthorizedAsync(component, infoType, authorizer, fields.GetValueOrDefault("AuthorizationCode"), createdAt, cancellationToken).ConfigureAwait(false);
                break;
            case "unauthorized":
                if (authorizer.Length > 0)
                {
                    await registry.UnauthorizedAsync(component.ComponentAppId, authorizer, cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                break; // other notifications are acknowledged and ignored
        }
    }

    private async Task TicketAsync(ComponentCredentials component, string? value, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        var stored = await tickets.SetAsync(component.ComponentAppId, new ComponentTicket(value, createdAt, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        if (!stored)
        {
            return;
        }

        PlatformLog.TicketStored(logger, component.ComponentAppId, TokenFingerprint.Of(value), createdAt);
        var key = ComponentTokenSource.KeyOf(component.ComponentAppId);
        var held = engine.Held(key);
        if (held is null || !held.IsValidAt(time.GetUtcNow()))
        {
            // The token was waiting for this ticket: refresh now (failures are recorded on the slot). A refresh
            // already in flight may have read the store before the ticket arrived: then run one more.
            _ = Task.Run(async () =>
            {
                for (var attempt = 0; attempt < 2; attempt++)
                {
                    try
                    {
                        await engine.RefreshNowAsync(key).ConfigureAwait(false);
                        return;
                    }
                    catch (Exception ex) when (ex is UpstreamUnavailableException or TokenUnavailableException or OperationCanceledException)
                    {
                    }
                }
            }, CancellationToken.None);
        }
    }

    private async Task AuthorizedAsync(ComponentCredentials component, string infoType, string authorizer, string? code, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        if (authorizer.Length == 0 || string.IsNullOrEmpty(code))
        {
            PlatformLog.EventFailed(logger, infoType, component.ComponentAppId, authorizer, "AuthorizerAppid or AuthorizationCode missing");
            return;
        }

        var existing = await authorizers.GetAsync(component.ComponentAppId, authorizer, cancellationToken).ConfigureAwait(false);
        try
        {
            var componentToken = await engine.GetAsync(ComponentTokenSource.KeyOf(component.ComponentAppId), cancellationToken).ConfigureAwait(false);
            var answer = await client.QueryAuthAsync(component.ComponentAppId, componentToken.Value, code, cancellationToken).ConfigureAwait(false);
            if (!answer.IsSuccess)
            {
                // A retried delivery finds its code already used (61009): the first delivery stored the authorizer.
                var reason = existing is not null && existing.AuthorizedAt >= createdAt && !existing.NeedsReauthorization
                    ? $"errcode {answer.ErrCode} (already stored by an earlier delivery)"
                    : $"api_query_auth answered errcode {answer.ErrCode}: {answer.ErrMsg}";
                PlatformLog.EventFailed(logger, infoType, component.ComponentAppId, authorizer, reason);
                return;
            }

            if (!string.Equals(answer.AuthorizerAppId, authorizer, StringComparison.Ordinal))
            {
                PlatformLog.EventFailed(logger, infoType, component.ComponentAppId, authorizer, "api_query_auth answered another authorizer_appid");
                return;
            }

            await registry.AuthorizedAsync(component.ComponentAppId, answer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is UpstreamUnavailableException or TokenUnavailableException or UnknownTokenKeyException)
        {
            PlatformLog.EventFailed(logger, infoType, component.ComponentAppId, authorizer, ex.Message);
        }
    }
}
