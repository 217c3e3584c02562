using WeChatSimulator.Internal;

namespace WeChatSimulator;

public sealed partial class WeChatSim
{
    /// <summary>
    /// <c>POST /cgi-bin/stable_token</c>. Normal mode returns the current stable token with its remaining
    /// lifetime, or issues a new one when there is none, it is no longer usable, or it is within
    /// <see cref="SimulatorOptions.StableRenewWindow"/> of expiry (the old one then lives until its own
    /// expiry). Forced mode invalidates the app's stable tokens at once and issues a new one, at most
    /// <see cref="SimulatorOptions.StableForceDailyLimit"/> a day and
    /// <see cref="SimulatorOptions.StableForceMinInterval"/> apart (else 45009, nothing refreshed).
    /// Every authenticated call counts against the per-minute (45011) and per-day (45009) limits.
    /// </summary>
    internal TokenReply RequestStableToken(string? grantType, string? appId, string? secret, bool forceRefresh)
    {
        var counterApp = appId ?? string.Empty;
        _counters.Call(counterApp, StableTokenEndpoint);
        if (forceRefresh)
        {
            _counters.Call(counterApp, StableTokenForceEndpoint);
        }

        var error = Authenticate(grantType, appId, secret, out var state);
        if (error != 0)
        {
            return TokenReply.Error(error);
        }

        TokenRecord? issued = null;
        TokenReply reply;
        lock (state!.Gate)
        {
            var now = Time.GetUtcNow();
            if (!state.StableMinute.TryTake(now, Options.StableMinuteLimit))
            {
                return TokenReply.Error(WeChatErrors.MinuteQuota);
            }

            if (!state.StableDaily.TryTake(now, Options.StableDailyLimit))
            {
                return TokenReply.Error(WeChatErrors.DailyQuota);
            }

            if (forceRefresh)
            {
                if (state.LastForcedRefresh is { } last && now - last < Options.StableForceMinInterval)
                {
                    return TokenReply.Error(WeChatErrors.DailyQuota);
                }

                if (!state.ForcedDaily.TryTake(now, Options.StableForceDailyLimit))
                {
                    return TokenReply.Error(WeChatErrors.DailyQuota);
                }

                state.LastForcedRefresh = now;
                state.Stable?.InvalidateFrom(now);
                state.PreviousStable?.InvalidateFrom(now);
                state.PreviousStable = null;
                issued = Issue(state, TokenKind.Stable, now);
                state.Stable = issued;
            }
            else if (state.Stable is not { } current || current.Check(now) != 0)
            {
                state.PreviousStable = null;
                issued = Issue(state, TokenKind.Stable, now);
                state.Stable = issued;
            }
            else if (current.ExpiresAt - now <= Options.StableRenewWindow)
            {
                state.PreviousStable = current;
                issued = Issue(state, TokenKind.Stable, now);
                state.Stable = issued;
            }

            reply = TokenReply.Success(state.Stable!.Value, state.Stable.SecondsLeft(now));
        }

        if (issued is not null)
        {
            _counters.Issued(issued.AppId, StableTokenEndpoint);
            if (forceRefresh)
            {
                _counters.Issued(issued.AppId, StableTokenForceEndpoint);
            }
        }

        return reply;
    }
}
