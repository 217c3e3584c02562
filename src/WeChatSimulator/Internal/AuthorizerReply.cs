namespace WeChatSimulator.Internal;

/// <summary>Outcome of <c>api_query_auth</c> / <c>api_authorizer_token</c>: an error code, or the authorizer's credentials.</summary>
internal readonly record struct AuthorizerReply(
    int ErrCode,
    string? AuthorizerAppId = null,
    string? AccessToken = null,
    int ExpiresIn = 0,
    string? RefreshToken = null,
    IReadOnlyList<int>? FuncScopes = null)
{
    public static AuthorizerReply Error(int errcode) => new(errcode);
}
