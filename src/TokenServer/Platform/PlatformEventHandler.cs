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
/// (api_query_auth, then the authorizer's tokens are stored), <c>unauthorized</c> (its tokens are removed), both
/// under the authorizer's refresh lock. Every event is idempotent: WeChat retries deliveries. An authorization that
/// cannot be redeemed yet (api_query_auth -1 or timeout, no component token, the lock held elsewhere) throws
/// <see cref="CallbackDeferredException"/>, so the callback answers non-success and WeChat delivers it again.
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
                    var key = AuthorizerTokenSource.KeyOf(component.ComponentAppId, authorizer);
                    var lease = await registry.LockAsync(key, cancellationToken).ConfigureAwait(false)
                        ?? throw new CallbackDeferredException($"the refresh lock of {key} is held elsewhere; WeChat delivers again");
                    await using (lease.ConfigureAwait(false))
                    {
                        await registry.UnauthorizedAsync(component.ComponentAppId, authorizer, cancellationToken).ConfigureAwait(false);
                    }
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
            // The token was waiting for this ticket: obtain it now (failures are recorded on the slot). A refresh
            // already in flight may have read the store before the ticket arrived: then run one more. Never a
            // refresh of a valid token: another replica may have obtained one with this ticket meanwhile.
            _ = Task.Run(async () =>
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var state = await engine.ObtainNowAsync(key).ConfigureAwait(false);
                        PlatformLog.TicketTokenObtained(logger, component.ComponentAppId, TokenFingerprint.Of(state.Token.Value), attempt);
                        return;
                    }
                    catch (Exception ex) when (ex is UpstreamUnavailableException or TokenUnavailableException or OperationCanceledException)
                    {
                        if (attempt == 2)
                        {
                            PlatformLog.TicketTokenFailed(logger, component.ComponentAppId, ex.Message);
                            return;
                        }
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

        var key = AuthorizerTokenSource.KeyOf(component.ComponentAppId, authorizer);
        var lease = await registry.LockAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new CallbackDeferredException($"the refresh lock of {key} is held elsewhere; WeChat delivers again");
        await using (lease.ConfigureAwait(false))
        {
            AuthorizerTokenResult answer;
            try
            {
                answer = await ComponentTokenRetry.CallAsync(
                    engine,
                    component.ComponentAppId,
                    "api_query_auth",
                    token => client.QueryAuthAsync(component.ComponentAppId, token, code, cancellationToken),
                    a => a.ErrCode,
                    logger,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is UpstreamUnavailableException or TokenUnavailableException or UnknownTokenKeyException)
            {
                // No component token: the code is still unused, so WeChat's redelivery can redeem it.
                throw new CallbackDeferredException($"{infoType} of {authorizer} not redeemed yet: {ex.Message}", ex);
            }

            if (!answer.IsSuccess)
            {
                if (answer.ErrCode is not (61009 or 61010))
                {
                    // -1, a refused component token, a quota: the code is still unused; WeChat delivers again.
                    throw new CallbackDeferredException($"api_query_auth answered errcode {answer.ErrCode}: {answer.ErrMsg}");
                }

                if (registry.IsPending(key))
                {
                    // Redeemed by an earlier delivery whose write failed: it is written again from memory.
                    await registry.FlushPendingAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }

                // Used (61009: an earlier delivery stored it) or expired (61010): redelivery cannot help.
                var existing = await authorizers.GetAsync(component.ComponentAppId, authorizer, cancellationToken).ConfigureAwait(false);
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

            try
            {
                await registry.AuthorizedAsync(component.ComponentAppId, answer, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (TokenUnavailableException ex)
            {
                // The answer itself cannot be stored (no refresh token for a new account): redelivery cannot help.
                PlatformLog.EventFailed(logger, infoType, component.ComponentAppId, authorizer, ex.Message);
            }
        }
    }
}
