using TokenCenter.Server.Engine;

namespace TokenCenter.Server.WeChatCompatible;

/// <summary>
/// Answers WeChat-style token requests from the center's managed token: checks the request like WeChat
/// (41002, 40002, 41004, 40013, 40125 in WeChat's order), then serves the current token with its
/// REMAINING lifetime. <c>force_refresh</c> goes through <see cref="WeChatCompatibleForceRefresh"/> (never rotates a token
/// WeChat accepts), then the engine's compare-and-refresh and forced-refresh budget.
/// </summary>
internal sealed partial class WeChatCompatibleTokenService(WeChatCompatibleCredentials credentials, TokenEngine engine, WeChatCompatibleForceRefresh force, Operations.ForcedRefreshAudit audit, TimeProvider time, ILogger<WeChatCompatibleTokenService> logger)
{
    public const string ClientCredential = "client_credential";

    public async Task<WeChatCompatibleReply> AnswerAsync(string? grantType, string? appId, string? secret, bool forceRefresh, CancellationToken cancellationToken, string? from = null)
    {
        if (string.IsNullOrEmpty(appId))
        {
            return WeChatCompatibleReply.Error(WeChatCompatibleErrors.AppIdMissing);
        }

        if (!string.Equals(grantType, ClientCredential, StringComparison.Ordinal))
        {
            return WeChatCompatibleReply.Error(WeChatCompatibleErrors.InvalidGrantType);
        }

        if (string.IsNullOrEmpty(secret))
        {
            return WeChatCompatibleReply.Error(WeChatCompatibleErrors.AppSecretMissing);
        }

        var check = credentials.Check(appId, secret);
        if (check != 0)
        {
            LogRefused(logger, Printable(appId), check);
            return WeChatCompatibleReply.Error(check);
        }

        var key = TokenSlotKey.AccessToken(appId);
        try
        {
            var token = forceRefresh
                ? await ForceAsync(key, $"compat:{appId} from {from ?? "unknown"}", cancellationToken).ConfigureAwait(false)
                : await engine.GetAsync(key, cancellationToken).ConfigureAwait(false);

            var remaining = (long)Math.Floor((token.ExpiresAt.ToDateTimeOffset() - time.GetUtcNow()).TotalSeconds);
            if (remaining <= 0)
            {
                return WeChatCompatibleReply.Error(WeChatCompatibleErrors.SystemBusy, "system error: TokenCenter holds no valid token yet, retry later");
            }

            return WeChatCompatibleReply.Token(token.Value, remaining);
        }
        catch (ForcedRefreshBudgetExceededException q)
        {
            LogBudgetExceeded(logger, appId, q.Reason, q.RetryAfter);
            return WeChatCompatibleReply.Error(
                WeChatCompatibleErrors.DailyQuota,
                $"{WeChatCompatibleErrors.Message(WeChatCompatibleErrors.DailyQuota)}: TokenCenter refused the forced refresh ({q.Reason}); retry after {ForcedRefreshBudgetExceededException.Seconds(q.RetryAfter)} s");
        }
        catch (UpstreamUnavailableException u)
        {
            return WeChatCompatibleReply.Error(WeChatCompatibleErrors.SystemBusy, $"system error: TokenCenter holds no valid token (WeChat answered errcode {u.ErrCode}), retry later");
        }
        catch (TokenUnavailableException)
        {
            return WeChatCompatibleReply.Error(WeChatCompatibleErrors.SystemBusy, "system error: TokenCenter holds no valid token, retry later");
        }
        catch (UnknownTokenKeyException)
        {
            return WeChatCompatibleReply.Error(WeChatCompatibleErrors.InvalidAppId);
        }
    }

    private static string Printable(string value) =>
        value.Length <= 32 && value.All(char.IsAsciiLetterOrDigit) ? value : "(malformed)";

    /// <summary>A forced request, recorded in the audit trail with its outcome.</summary>
    private async Task<TokenCenter.V1.Token> ForceAsync(TokenSlotKey key, string caller, CancellationToken cancellationToken)
    {
        var heldBefore = engine.HeldVersion(key);
        try
        {
            var token = await force.RefreshAsync(key, cancellationToken).ConfigureAwait(false);
            audit.Record(caller, key, Operations.ForcedRefreshAudit.OutcomeOf(heldBefore, token), token.Version);
            return token;
        }
        catch (ForcedRefreshBudgetExceededException)
        {
            audit.Record(caller, key, Operations.ForcedRefreshAudit.RefusedByQuota, 0);
            throw;
        }
        catch (Exception ex) when (ex is UpstreamUnavailableException or TokenUnavailableException or TokenStoreUnavailableException)
        {
            audit.Record(caller, key, "failed: " + ex.GetType().Name.Replace("Exception", string.Empty, StringComparison.Ordinal), 0);
            throw;
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "WeChat-compatible token request for appid {AppId} refused with errcode {ErrCode}")]
    private static partial void LogRefused(ILogger logger, string appId, int errCode);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "WeChat-compatible force_refresh for {AppId} refused by the forced-refresh budget ({Reason}); retry after {RetryAfter}")]
    private static partial void LogBudgetExceeded(ILogger logger, string appId, string reason, TimeSpan retryAfter);
}
