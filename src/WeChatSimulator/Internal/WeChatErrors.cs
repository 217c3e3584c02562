namespace WeChatSimulator.Internal;

/// <summary>WeChat error codes the simulator answers, with WeChat's errmsg wording (before the rid suffix).</summary>
internal static class WeChatErrors
{
    public const int SystemBusy = -1;
    public const int InvalidCredential = 40001;
    public const int InvalidGrantType = 40002;
    public const int InvalidAppId = 40013;
    public const int InvalidAccessToken = 40014;
    public const int InvalidArgs = 40097;
    public const int InvalidAppSecret = 40125;
    public const int InvalidIp = 40164;
    public const int AppSecretFrozen = 40243;
    public const int AppIdMissing = 41002;
    public const int AppSecretMissing = 41004;
    public const int AccessTokenExpired = 42001;
    public const int RequirePost = 43002;
    public const int DailyQuota = 45009;
    public const int MinuteQuota = 45011;
    public const int AccountRestricted = 50004;
    public const int AccountFrozen = 50007;
    public const int IpNeedsConfirmation = 89503;
    public const int DataFormatError = 47001;
    public const int ComponentIpNotRegistered = 61004;
    public const int ComponentTicketExpired = 61005;
    public const int ComponentTicketInvalid = 61006;
    public const int AuthorizationCodeInvalid = 61009;
    public const int AuthorizationCodeExpired = 61010;
    public const int InvalidComponent = 61011;
    public const int RefreshTokenInvalid = 61023;

    public static string Message(int errcode) => errcode switch
    {
        SystemBusy => "system error",
        InvalidCredential => "invalid credential, access_token is invalid or not latest",
        InvalidGrantType => "invalid grant_type",
        InvalidAppId => "invalid appid",
        InvalidAccessToken => "invalid access_token",
        InvalidArgs => "invalid args",
        InvalidAppSecret => "invalid appsecret",
        InvalidIp => "invalid ip, not in whitelist",
        AppSecretFrozen => "appsecret is frozen, please unfreeze it on mp.weixin.qq.com",
        AppIdMissing => "appid missing",
        AppSecretMissing => "appsecret missing",
        AccessTokenExpired => "access_token expired",
        RequirePost => "require POST method",
        DailyQuota => "reach max api daily quota limit",
        MinuteQuota => "api minute-quota reach limit mustslower retry next minute",
        AccountRestricted => "user limited",
        AccountFrozen => "account frozen",
        IpNeedsConfirmation => "this ip needs the administrator's confirmation, please contact the administrator",
        DataFormatError => "data format error",
        ComponentIpNotRegistered => "access clientip is not registered",
        ComponentTicketExpired => "component ticket is expired",
        ComponentTicketInvalid => "component ticket is invalid",
        AuthorizationCodeInvalid => "code is invalid",
        AuthorizationCodeExpired => "code is expired",
        InvalidComponent => "invalid component",
        RefreshTokenInvalid => "refresh_token is invalid",
        _ => "unknown error",
    };

    /// <summary>40164 names the caller's address the way WeChat does.</summary>
    public static string InvalidIpMessage(string ip) => $"invalid ip {ip} ipv6 ::ffff:{ip}, not in whitelist";
}
