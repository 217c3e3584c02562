using WeChatSimulator.Internal;

namespace WeChatSimulator;

public sealed partial class WeChatSim
{
    /// <summary>
    /// <c>api_start_push_ticket</c>: checks the component's credentials (41002, 61011, 41004, 40125). On 0 the
    /// caller triggers a push through the <see cref="SimulatorPushDriver"/>.
    /// </summary>
    internal int StartPushTicket(string? componentAppId, string? secret)
    {
        _counters.Call(componentAppId ?? string.Empty, StartPushTicketEndpoint);
        if (string.IsNullOrEmpty(componentAppId))
        {
            return WeChatErrors.AppIdMissing;
        }

        if (!_components.TryGetValue(componentAppId, out var state))
        {
            return WeChatErrors.InvalidComponent;
        }

        if (string.IsNullOrEmpty(secret))
        {
            return WeChatErrors.AppSecretMissing;
        }

        lock (state.Gate)
        {
            return string.Equals(secret, state.Component.Secret, StringComparison.Ordinal) ? 0 : WeChatErrors.InvalidAppSecret;
        }
    }

    /// <summary>
    /// <c>api_component_token</c>: like <c>/cgi-bin/token</c>, every success issues a new component_access_token and
    /// the previous one keeps working for <see cref="SimulatorOptions.OldTokenGrace"/>. Check order: -1 (busy fault),
    /// 41002, 61011, forced component code (fault), 41004, 40125, 61004 (fault), 45009 (fault), ticket (61006 unknown,
    /// 61005 older than <see cref="SimulatorOptions.VerifyTicketLifetime"/>), then the daily quota (45009).
    /// </summary>
    internal TokenReply RequestComponentToken(string? componentAppId, string? secret, string? ticket)
    {
        _counters.Call(componentAppId ?? string.Empty, ComponentTokenEndpoint);
        if (Faults.NextIsBusy())
        {
            return TokenReply.Error(WeChatErrors.SystemBusy);
        }

        if (string.IsNullOrEmpty(componentAppId))
        {
            return TokenReply.Error(WeChatErrors.AppIdMissing);
        }

        if (!_components.TryGetValue(componentAppId, out var state))
        {
            return TokenReply.Error(WeChatErrors.InvalidComponent);
        }

        var error = ForcedComponentError(componentAppId, authorizerAppId: null);
        if (error == 0 && string.IsNullOrEmpty(secret))
        {
            error = WeChatErrors.AppSecretMissing;
        }

        if (error != 0)
        {
            return TokenReply.Error(error);
        }

        TokenRecord issued;
        lock (state.Gate)
        {
            var now = Time.GetUtcNow();
            error = !string.Equals(secret, state.Component.Secret, StringComparison.Ordinal) ? WeChatErrors.InvalidAppSecret
                : Faults.RejectIp ? WeChatErrors.ComponentIpNotRegistered
                : Faults.IsQuotaExhausted(componentAppId) ? WeChatErrors.DailyQuota
                : string.IsNullOrEmpty(ticket) || !state.VerifyTickets.TryGetValue(ticket, out var pushedAt) ? WeChatErrors.ComponentTicketInvalid
                : now - pushedAt >= Options.VerifyTicketLifetime ? WeChatErrors.ComponentTicketExpired
                : !state.TokenDaily.TryTake(now, Options.ComponentTokenDailyQuota) ? WeChatErrors.DailyQuota
                : 0;
            if (error != 0)
            {
                return TokenReply.Error(error);
            }

            state.AccessToken?.InvalidateFrom(now + Options.OldTokenGrace);
            issued = new TokenRecord(TokenGenerator.NewAccessToken(), componentAppId, TokenKind.Component, now, now + Options.TokenLifetime);
            _componentTokens.Add(issued);
            state.AccessToken = issued;
        }

        _counters.Issued(componentAppId, ComponentTokenEndpoint);
        return TokenReply.Success(issued.Value, (int)Options.TokenLifetime.TotalSeconds);
    }

    /// <summary><c>api_create_preauthcode</c>: a new single-use pre_auth_code valid <see cref="SimulatorOptions.PreAuthCodeLifetime"/>.</summary>
    internal TokenReply CreatePreAuthCode(string? componentAccessToken, string? componentAppId)
    {
        _counters.Call(componentAppId ?? string.Empty, CreatePreAuthCodeEndpoint);
        var error = AuthenticateComponent(componentAccessToken, componentAppId, out var state);
        if (error != 0)
        {
            return TokenReply.Error(error);
        }

        var code = TokenGenerator.NewPreAuthCode();
        lock (state!.Gate)
        {
            var now = Time.GetUtcNow();
            state.PruneExpiredPreAuthCodes(now);
            state.PreAuthCodes[code] = now + Options.PreAuthCodeLifetime;
        }

        _counters.Issued(componentAppId!, CreatePreAuthCodeEndpoint);
        return TokenReply.Success(code, (int)Options.PreAuthCodeLifetime.TotalSeconds);
    }

    /// <summary>
    /// <c>api_query_auth</c>: redeems an authorization code (single use; 61009 unknown or used, 61010 expired) for the
    /// authorizer's first access token and its refresh token (the existing one unless
    /// <see cref="SimulatorOptions.RotateRefreshTokens"/>).
    /// </summary>
    internal AuthorizerReply QueryAuth(string? componentAccessToken, string? componentAppId, string? authorizationCode)
    {
        _counters.Call(componentAppId ?? string.Empty, QueryAuthEndpoint);
        var error = AuthenticateComponent(componentAccessToken, componentAppId, out var state);
        if (error == 0 && Faults.QueryAuthErrors.TryGetValue(componentAppId!, out var forced))
        {
            error = forced;
        }

        if (error != 0)
        {
            return AuthorizerReply.Error(error);
        }

        AuthorizerReply reply;
        lock (state!.Gate)
        {
            var now = Time.GetUtcNow();
            if (string.IsNullOrEmpty(authorizationCode) || !state.AuthorizationCodes.Remove(authorizationCode, out var grant))
            {
                return AuthorizerReply.Error(WeChatErrors.AuthorizationCodeInvalid);
            }

            if (grant.ExpiresAt <= now)
            {
                return AuthorizerReply.Error(WeChatErrors.AuthorizationCodeExpired);
            }

            var authorizer = state.Authorizers[grant.AuthorizerAppId];
            if (authorizer.RefreshToken is null || Options.RotateRefreshTokens)
            {
                authorizer.RefreshToken = TokenGenerator.NewRefreshToken();
            }

            reply = IssueAuthorizerToken(authorizer, now);
        }

        _counters.Issued(componentAppId!, QueryAuthEndpoint);
        return reply;
    }

    /// <summary>
    /// <c>api_authorizer_token</c>: a new authorizer_access_token (the previous one keeps working for
    /// <see cref="SimulatorOptions.OldTokenGrace"/>). Check order: -1 (busy fault), component token and appid,
    /// forced component / authorizer code (faults), 41002 authorizer appid missing, 61004 (fault), 45009 (fault),
    /// then 61023 for an unknown, unauthorized or wrong refresh token.
    /// </summary>
    internal AuthorizerReply RequestAuthorizerToken(string? componentAccessToken, string? componentAppId, string? authorizerAppId, string? refreshToken)
    {
        var counterApp = authorizerAppId ?? string.Empty;
        _counters.Call(counterApp, AuthorizerTokenEndpoint);
        if (Faults.NextIsBusy())
        {
            return AuthorizerReply.Error(WeChatErrors.SystemBusy);
        }

        var error = AuthenticateComponent(componentAccessToken, componentAppId, out var state);
        if (error == 0)
        {
            error = string.IsNullOrEmpty(authorizerAppId) ? WeChatErrors.AppIdMissing : ForcedComponentError(componentAppId!, authorizerAppId);
        }

        if (error == 0)
        {
            error = Faults.RejectIp ? WeChatErrors.ComponentIpNotRegistered
                : Faults.IsQuotaExhausted(componentAppId!) || Faults.IsQuotaExhausted(authorizerAppId!) ? WeChatErrors.DailyQuota
                : 0;
        }

        if (error != 0)
        {
            return AuthorizerReply.Error(error);
        }

        AuthorizerReply reply;
        lock (state!.Gate)
        {
            if (!state.Authorizers.TryGetValue(authorizerAppId!, out var authorizer) || !authorizer.Authorized
                || authorizer.RefreshToken is null || !string.Equals(authorizer.RefreshToken, refreshToken, StringComparison.Ordinal))
            {
                return AuthorizerReply.Error(WeChatErrors.RefreshTokenInvalid);
            }

            if (Options.RotateRefreshTokens)
            {
                authorizer.RefreshToken = TokenGenerator.NewRefreshToken();
            }

            reply = IssueAuthorizerToken(authorizer, Time.GetUtcNow());
        }

        _counters.Issued(counterApp, AuthorizerTokenEndpoint);
        return reply;
    }

    /// <summary>component_access_token (40014 / 40001 / 42001), then component_appid: 41002 missing, 61011 not the token's component.</summary>
    private int AuthenticateComponent(string? componentAccessToken, string? componentAppId, out ComponentState? state)
    {
        state = null;
        var record = _componentTokens.Find(componentAccessToken);
        if (record is null)
        {
            return WeChatErrors.InvalidAccessToken;
        }

        var check = record.Check(Time.GetUtcNow());
        if (check != 0)
        {
            return check;
        }

        if (string.IsNullOrEmpty(componentAppId))
        {
            return WeChatErrors.AppIdMissing;
        }

        return string.Equals(componentAppId, record.AppId, StringComparison.Ordinal) && _components.TryGetValue(componentAppId, out state)
            ? 0
            : WeChatErrors.InvalidComponent;
    }

    private int ForcedComponentError(string componentAppId, string? authorizerAppId) =>
        Faults.ComponentErrors.TryGetValue(componentAppId, out var forced) && forced != 0 ? forced
        : authorizerAppId is not null && Faults.AppErrors.TryGetValue(authorizerAppId, out var app) && app != 0 ? app
        : 0;

    /// <summary>Issues an authorizer access token (under the component's lock) and builds the reply.</summary>
    private AuthorizerReply IssueAuthorizerToken(AuthorizerState authorizer, DateTimeOffset now)
    {
        var issued = new TokenRecord(TokenGenerator.NewAccessToken(), authorizer.AuthorizerAppId, TokenKind.Authorizer, now, now + Options.TokenLifetime);
        _tokens.Add(issued);
        authorizer.Replace(issued, now, now + Options.OldTokenGrace);
        return new AuthorizerReply(0, authorizer.AuthorizerAppId, issued.Value, (int)Options.TokenLifetime.TotalSeconds, authorizer.RefreshToken, AuthorizerState.DefaultFuncScopes);
    }
}
