using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Platform;

/// <summary>
/// When the first refresh of an authorizer token that did not come from the steady rhythm is due: a token obtained
/// by an authorization (api_query_auth) or found unscheduled in the first half of its lifetime (a bulk import). Many
/// such tokens can share one instant (a bulk authorization, a migration); in the normal window
/// (<c>AuthorizerAhead</c> + random <c>AuthorizerJitter</c>) they would all fall due within a few minutes, more than
/// the refresh rate can serve before they expire. So the first refresh is due uniformly between half the token's
/// lifetime and the end of its normal window (<c>expires_at - AuthorizerAhead</c>); every later refresh uses the
/// normal window, which keeps the phases spread, so only the first costs extra (once per authorization).
/// </summary>
internal static class FirstRefreshSpread
{
    /// <summary>
    /// The first due time of <paramref name="token"/>, with <paramref name="share"/> uniform in [0, 1); null when
    /// <paramref name="now"/> is past half its lifetime (or the lifetime is too short to spread): the caller then uses
    /// the normal window.
    /// </summary>
    public static DateTimeOffset? Due(StoredToken token, TimeSpan ahead, DateTimeOffset now, double share)
    {
        var half = token.ObtainedAt + ((token.ExpiresAt - token.ObtainedAt) / 2);
        var latest = token.ExpiresAt - ahead;
        if (now > half || latest <= half)
        {
            return null;
        }

        return half + ((latest - half) * share);
    }
}
