namespace TokenCenter.Server.Upstream;

/// <summary>The WeChat boundary: obtains an app's access_token from WeChat's token endpoints.</summary>
public interface IWeChatTokenClient
{
    /// <summary>
    /// Calls <c>POST /cgi-bin/stable_token</c> (stable grant; <paramref name="forceRefresh"/> sets
    /// <c>force_refresh</c>) or <c>GET /cgi-bin/token</c> (classic grant; <paramref name="forceRefresh"/>
    /// is ignored), retrying transient failures. Returns the token or WeChat's final error; throws only
    /// when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<UpstreamTokenResult> GetAccessTokenAsync(AppCredentials app, bool forceRefresh, CancellationToken cancellationToken);
}
