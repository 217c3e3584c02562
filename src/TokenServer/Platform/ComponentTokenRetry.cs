using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Platform;

/// <summary>
/// Calls a component endpoint (api_authorizer_token, api_query_auth, api_create_preauthcode) with the current
/// component_access_token. When WeChat refuses that token (40001 invalid, 42001 expired; for example another
/// system fetched a component token with the same appsecret), one compare-and-refresh of the component token
/// (<see cref="TokenEngine.ForceRefreshAsync"/> with the value used: concurrent callers share one refresh) and one retry.
/// </summary>
internal static class ComponentTokenRetry
{
    /// <summary>40001 (invalid credential) and 42001 (expired): the component_access_token was refused.</summary>
    public static bool IsComponentTokenRejected(int errCode) => errCode is 40001 or 42001;

    /// <exception cref="TokenUnavailableException">No component token can be had.</exception>
    /// <exception cref="UpstreamUnavailableException">The component token cannot be refreshed.</exception>
    public static async Task<T> CallAsync<T>(
        IAccessTokenReader engine,
        string componentAppId,
        string endpoint,
        Func<string, Task<T>> call,
        Func<T, int> errCode,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var key = ComponentTokenSource.KeyOf(componentAppId);
        var token = await engine.GetAsync(key, cancellationToken).ConfigureAwait(false);
        var answer = await call(token.Value).ConfigureAwait(false);
        if (!IsComponentTokenRejected(errCode(answer)))
        {
            return answer;
        }

        PlatformLog.ComponentTokenRejected(logger, endpoint, componentAppId, errCode(answer), TokenFingerprint.Of(token.Value));
        TokenCenter.V1.Token fresh;
        try
        {
            fresh = await engine.ForceRefreshAsync(key, token.Value, cancellationToken).ConfigureAwait(false);
        }
        catch (ForcedRefreshBudgetExceededException)
        {
            return answer; // the forced-refresh budget refused: the call fails with WeChat's answer
        }

        return await call(fresh.Value).ConfigureAwait(false);
    }
}
