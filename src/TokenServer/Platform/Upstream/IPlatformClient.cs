using TokenCenter.Server.Upstream;

namespace TokenCenter.Server.Platform.Upstream;

/// <summary>An authorizer's tokens as answered by api_query_auth / api_authorizer_token. Never printed with its values.</summary>
public sealed record AuthorizerTokenResult(int ErrCode, string ErrMsg, string? AuthorizerAppId, string? AccessToken, TimeSpan ExpiresIn, string? RefreshToken)
{
    public bool IsSuccess => ErrCode == 0 && !string.IsNullOrEmpty(AccessToken);

    public static AuthorizerTokenResult Failure(int errCode, string errMsg) => new(errCode, errMsg, null, null, TimeSpan.Zero, null);

    public override string ToString() => $"AuthorizerTokenResult {{ ErrCode = {ErrCode}, ErrMsg = {ErrMsg}, AuthorizerAppId = {AuthorizerAppId} }}";
}

/// <summary>The WeChat boundary of the third-party platform (<c>/cgi-bin/component/api_*</c> and <c>/cgi-bin/ticket/getticket</c>).</summary>
public interface IPlatformClient
{
    /// <summary><c>api_component_token</c>.</summary>
    Task<UpstreamTokenResult> GetComponentTokenAsync(string componentAppId, string secret, string ticket, CancellationToken cancellationToken);

    /// <summary><c>api_start_push_ticket</c>: asks WeChat to push a ticket now. Returns errcode (0: ok).</summary>
    Task<(int ErrCode, string ErrMsg)> StartPushTicketAsync(string componentAppId, string secret, CancellationToken cancellationToken);

    /// <summary><c>api_create_preauthcode</c>: the pre_auth_code as the token, its lifetime as expires_in.</summary>
    Task<UpstreamTokenResult> CreatePreAuthCodeAsync(string componentAppId, string componentAccessToken, CancellationToken cancellationToken);

    /// <summary><c>api_query_auth</c>: redeems an authorization code.</summary>
    Task<AuthorizerTokenResult> QueryAuthAsync(string componentAppId, string componentAccessToken, string authorizationCode, CancellationToken cancellationToken);

    /// <summary><c>api_authorizer_token</c>: refreshes an authorizer's access token.</summary>
    Task<AuthorizerTokenResult> RefreshAuthorizerTokenAsync(string componentAppId, string componentAccessToken, string authorizerAppId, string refreshToken, CancellationToken cancellationToken);
}
