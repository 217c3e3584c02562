namespace WeChatSimulator.Internal;

/// <summary>An official account / mini program as authorized to one component. Used under the component's lock.</summary>
internal sealed class AuthorizerState(string authorizerAppId)
{
    /// <summary>The permission sets (funcscope_category ids) reported in <c>func_info</c>.</summary>
    public static readonly int[] DefaultFuncScopes = [1, 15, 18];

    public string AuthorizerAppId { get; } = authorizerAppId;

    /// <summary>False after the account unauthorized the component (until it authorizes again).</summary>
    public bool Authorized { get; set; }

    /// <summary>The refresh token handed out by <c>api_query_auth</c>; null before the first query or after unauthorization.</summary>
    public string? RefreshToken { get; set; }

    /// <summary>Authorizer access tokens that may still work (the latest and those within their grace).</summary>
    public List<TokenRecord> LiveTokens { get; } = [];

    /// <summary>Supersedes the live tokens (they keep working until <paramref name="invalidFrom"/>) and records the new one.</summary>
    public void Replace(TokenRecord issued, DateTimeOffset now, DateTimeOffset invalidFrom)
    {
        LiveTokens.RemoveAll(t => t.Check(now) != 0);
        foreach (var token in LiveTokens)
        {
            token.InvalidateFrom(invalidFrom);
        }

        LiveTokens.Add(issued);
    }

    /// <summary>Revokes everything: live tokens answer 40001 from <paramref name="now"/> on, the refresh token is forgotten.</summary>
    public void Revoke(DateTimeOffset now)
    {
        foreach (var token in LiveTokens)
        {
            token.InvalidateFrom(now);
        }

        LiveTokens.Clear();
        RefreshToken = null;
        Authorized = false;
    }
}
