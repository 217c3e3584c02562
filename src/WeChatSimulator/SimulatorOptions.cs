namespace WeChatSimulator;

/// <summary>
/// Configuration of a <see cref="WeChatSim"/>. The defaults reproduce the documented WeChat limits
/// (see <c>shared/design/WECHAT_UPSTREAM.md</c>); tests shrink them to make limits reachable.
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>The apps the simulator knows. Calls for any other app id answer 40013.</summary>
    public List<SimulatedApp> Apps { get; } = [];

    /// <summary>
    /// The third-party platforms the simulator knows. Component calls for any other component appid answer
    /// 61011. Component and authorizer access tokens use <see cref="TokenLifetime"/> and <see cref="OldTokenGrace"/>.
    /// </summary>
    public List<SimulatedComponent> Components { get; } = [];

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

    /// <summary>How long a component_verify_ticket is accepted by <c>api_component_token</c> after it was pushed (then 61005). Default 12 h.</summary>
    public TimeSpan VerifyTicketLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Lifetime of pre_auth_codes (<c>expires_in</c> of <c>api_create_preauthcode</c>). Default 30 min (1800 s).</summary>
    public TimeSpan PreAuthCodeLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Lifetime of authorization codes posted with <c>authorized</c> / <c>updateauthorized</c> events. Default 10 min.</summary>
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// When true, every successful <c>api_authorizer_token</c> call returns a new authorizer_refresh_token and the
    /// one presented stops working (61023). Default false: the refresh token stays the same, as WeChat does today.
    /// </summary>
    public bool RotateRefreshTokens { get; set; }

    /// <summary>Successful <c>api_component_token</c> calls per component per day (UTC+8 day) before 45009. Default 2000 (assumed, like the classic quota).</summary>
    public int ComponentTokenDailyQuota { get; set; } = 2000;

    /// <summary>Interval of the periodic component_verify_ticket push (<see cref="SimulatorPushDriver.Start"/>). Default 10 min.</summary>
    public TimeSpan TicketPushInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// When true, hosting the simulator through <see cref="SimulatorEndpoints.AddWeChatSimulator"/> (or
    /// <see cref="SimulatorHost"/>) starts the periodic ticket push every <see cref="TicketPushInterval"/>
    /// of the simulator's clock. Default false (tests start it with <see cref="SimulatorPushDriver.Start"/>);
    /// the standalone process turns it on.
    /// </summary>
    public bool PushTicketsPeriodically { get; set; }

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
        Positive(VerifyTicketLifetime, nameof(VerifyTicketLifetime));
        Positive(PreAuthCodeLifetime, nameof(PreAuthCodeLifetime));
        Positive(AuthorizationCodeLifetime, nameof(AuthorizationCodeLifetime));
        Positive(TicketPushInterval, nameof(TicketPushInterval));
        Count(ComponentTokenDailyQuota, nameof(ComponentTokenDailyQuota));
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

        foreach (var component in Components)
        {
            ValidateComponent(component);
        }
    }

    /// <summary>Checks one component; throws <see cref="ArgumentException"/> naming the bad key.</summary>
    internal static void ValidateComponent(SimulatedComponent? component)
    {
        if (string.IsNullOrEmpty(component?.ComponentAppId) || string.IsNullOrEmpty(component.Secret) || string.IsNullOrEmpty(component.Token))
        {
            throw new ArgumentException("Simulator:Components entries need a ComponentAppId, a Secret and a Token.", nameof(Components));
        }

        if (!WeChatMessageCrypto.IsValidEncodingAesKey(component.EncodingAesKey))
        {
            throw new ArgumentException(
                $"Simulator:Components ({component.ComponentAppId}): EncodingAesKey must be 43 base64 characters decoding to 32 bytes.", nameof(Components));
        }

        if (component.CallbackUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException(
                $"Simulator:Components ({component.ComponentAppId}): CallbackUrl must be an absolute http(s) URL.", nameof(Components));
        }
    }
}
