namespace WeChatSimulator;

/// <summary>
/// Configuration of a <see cref="WeChatSim"/>. The defaults reproduce the documented WeChat limits
/// (see <c>shared/design/WECHAT_UPSTREAM.md</c>); tests shrink them to make limits reachable.
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>The apps the simulator knows. Calls for any other app id answer 40013.</summary>
    public List<SimulatedApp> Apps { get; } = [];

    /// <summary>Lifetime of issued access tokens (<c>expires_in</c>). Default 2 h (7200 s).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long a classic token keeps working after a newer one was issued. Default 5 min.</summary>
    public TimeSpan OldTokenGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Successful <c>/cgi-bin/token</c> calls per app per day (UTC+8 day). Default 2000.</summary>
    public int DailyQuota { get; set; } = 2000;

    /// <summary>Daily <c>/cgi-bin/token</c> quota of apps marked <see cref="SimulatedApp.IsTestAccount"/>. Default 200.</summary>
    public int TestAccountDailyQuota { get; set; } = 200;

    /// <summary><c>force_refresh=true</c> stable-token refreshes per app per day. Default 20.</summary>
    public int StableForceDailyLimit { get; set; } = 20;

    /// <summary>Minimum spacing between two forced stable-token refreshes of one app. Default 30 s.</summary>
    public TimeSpan StableForceMinInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>In normal mode a stable token this close to its expiry is replaced by a new one. Default 5 min.</summary>
    public TimeSpan StableRenewWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>/cgi-bin/stable_token</c> calls per app per minute before 45011. Default 10,000.</summary>
    public int StableMinuteLimit { get; set; } = 10_000;

    /// <summary><c>/cgi-bin/stable_token</c> calls per app per day before 45009. Default 500,000.</summary>
    public int StableDailyLimit { get; set; } = 500_000;

    /// <summary>Lifetime of jsapi / wx_card tickets. Default 2 h.</summary>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Offset of the time zone whose midnight resets the daily quotas. WeChat resets at Beijing
    /// midnight, so the default is UTC+8.
    /// </summary>
    public TimeSpan QuotaDayOffset { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad key.</summary>
    public void Validate()
    {
        static void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"Simulator:{name} must be positive (was {value}).", name);
            }
        }

        static void NotNegative(TimeSpan value, string name)
        {
            if (value < TimeSpan.Zero)
            {
                throw new ArgumentException($"Simulator:{name} must not be negative (was {value}).", name);
            }
        }

        static void Count(int value, string name)
        {
            if (value < 0)
            {
                throw new ArgumentException($"Simulator:{name} must not be negative (was {value}).", name);
            }
        }

        Positive(TokenLifetime, nameof(TokenLifetime));
        Positive(TicketLifetime, nameof(TicketLifetime));
        NotNegative(OldTokenGrace, nameof(OldTokenGrace));
        NotNegative(StableForceMinInterval, nameof(StableForceMinInterval));
        NotNegative(StableRenewWindow, nameof(StableRenewWindow));
        Count(DailyQuota, nameof(DailyQuota));
        Count(TestAccountDailyQuota, nameof(TestAccountDailyQuota));
        Count(StableForceDailyLimit, nameof(StableForceDailyLimit));
        Count(StableMinuteLimit, nameof(StableMinuteLimit));
        Count(StableDailyLimit, nameof(StableDailyLimit));
        foreach (var app in Apps)
        {
            if (string.IsNullOrEmpty(app?.AppId) || string.IsNullOrEmpty(app.Secret))
            {
                throw new ArgumentException("Simulator:Apps entries need an AppId and a Secret.", nameof(Apps));
            }
        }
    }
}
