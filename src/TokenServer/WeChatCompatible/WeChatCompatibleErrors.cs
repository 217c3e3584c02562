namespace TokenCenter.Server.WeChatCompatible;

/// <summary>The WeChat errcodes the compatible endpoints answer, with WeChat's errmsg wording.</summary>
internal static class WeChatCompatibleErrors
{
    public const int SystemBusy = -1;
    public const int InvalidGrantType = 40002;
    public const int InvalidAppId = 40013;
    public const int InvalidAppSecret = 40125;
    public const int AppIdMissing = 41002;
    public const int AppSecretMissing = 41004;
    public const int RequirePost = 43002;
    public const int DailyQuota = 45009;

    public static string Message(int errcode) => errcode switch
    {
        SystemBusy => "system error",
        InvalidGrantType => "invalid grant_type",
        InvalidAppId => "invalid appid",
        InvalidAppSecret => "invalid appsecret",
        AppIdMissing => "appid missing",
        AppSecretMissing => "appsecret missing",
        RequirePost => "require POST method",
        DailyQuota => "reach max api daily quota limit",
        _ => "unknown error",
    };
}
