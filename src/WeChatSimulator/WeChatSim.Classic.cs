using WeChatSimulator.Internal;

namespace WeChatSimulator;

public sealed partial class WeChatSim
{
    /// <summary>
    /// <c>GET /cgi-bin/token</c>: every successful call issues a new token; the previous one keeps working
    /// for <see cref="SimulatorOptions.OldTokenGrace"/>, then answers 40001. Successful calls count against
    /// the daily quota (reset at UTC+8 midnight).
    /// </summary>
    internal TokenReply RequestClassicToken(string? grantType, string? appId, string? secret)
    {
        _counters.Call(appId ?? string.Empty, TokenEndpoint);
        var error = Authenticate(grantType, appId, secret, out var state);
        if (error != 0)
        {
            return TokenReply.Error(error);
        }

        TokenRecord issued;
        lock (state!.Gate)
        {
            var now = Time.GetUtcNow();
            var quota = state.App.IsTestAccount ? Options.TestAccountDailyQuota : Options.DailyQuota;
            if (!state.ClassicDaily.TryTake(now, quota))
            {
                return TokenReply.Error(WeChatErrors.DailyQuota);
            }

            state.Classic?.InvalidateFrom(now + Options.OldTokenGrace);
            issued = Issue(state, TokenKind.Classic, now);
            state.Classic = issued;
        }

        _counters.Issued(issued.AppId, TokenEndpoint);
        return TokenReply.Success(issued.Value, (int)Options.TokenLifetime.TotalSeconds);
    }
}
