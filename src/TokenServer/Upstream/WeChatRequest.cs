namespace TokenCenter.Server.Upstream;

/// <summary>
/// Builds the requests of every WeChat endpoint, marked with what the pipeline needs: the app id (retry logs, the
/// per-app call counter) and whether the call must be sent once only. Paths are relative to <c>Upstream:BaseUrl</c>;
/// a query may carry a token or a secret, so only <see cref="EndpointOf"/> (the path's last segment) is ever logged.
/// </summary>
internal static class WeChatRequest
{
    /// <summary>App id of the call: the app, component or authorizer the call is made for.</summary>
    public static readonly HttpRequestOptionsKey<string> AppIdKey = new("TokenCenter.WeChat.AppId");

    /// <summary>True for a call that must never be retried (see <see cref="WeChatResilience"/>).</summary>
    public static readonly HttpRequestOptionsKey<bool> SingleAttemptKey = new("TokenCenter.WeChat.SingleAttempt");

    /// <summary>A GET of <paramref name="pathAndQuery"/> for <paramref name="appId"/>.</summary>
    public static HttpRequestMessage Get(string pathAndQuery, string appId, bool singleAttempt = false) =>
        Create(HttpMethod.Get, pathAndQuery, appId, content: null, singleAttempt);

    /// <summary>A POST of <paramref name="content"/> to <paramref name="pathAndQuery"/> for <paramref name="appId"/>.</summary>
    public static HttpRequestMessage Post(string pathAndQuery, string appId, HttpContent content, bool singleAttempt = false) =>
        Create(HttpMethod.Post, pathAndQuery, appId, content, singleAttempt);

    public static string AppIdOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(AppIdKey, out var appId) ? appId : "?";

    public static bool IsSingleAttempt(HttpRequestMessage request) =>
        request.Options.TryGetValue(SingleAttemptKey, out var single) && single;

    /// <summary>The endpoint's name for logs and metrics: the last path segment, never the query.</summary>
    public static string EndpointOf(Uri? uri)
    {
        var path = uri is null ? string.Empty : uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?')[0];
        return path.TrimEnd('/').Split('/')[^1];
    }

    private static HttpRequestMessage Create(HttpMethod method, string pathAndQuery, string appId, HttpContent? content, bool singleAttempt)
    {
        var request = new HttpRequestMessage(method, new Uri(pathAndQuery, UriKind.Relative)) { Content = content };
        request.Options.Set(AppIdKey, appId);
        request.Options.Set(SingleAttemptKey, singleAttempt);
        return request;
    }
}
