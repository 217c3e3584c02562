namespace TokenCenter.Server.Options;

/// <summary>The shape of a WeChat app id: "wx" followed by 16 lowercase hexadecimal characters.</summary>
internal static class AppIdFormat
{
    /// <summary>Human-readable description, used in error messages.</summary>
    public const string Expected = "expected 'wx' followed by 16 lowercase hexadecimal characters";

    public static bool IsValid(string? appId)
    {
        if (appId is null || appId.Length != 18 || !appId.StartsWith("wx", StringComparison.Ordinal))
        {
            return false;
        }

        for (var i = 2; i < appId.Length; i++)
        {
            if (!char.IsAsciiHexDigitLower(appId[i]) && !char.IsAsciiDigit(appId[i]))
            {
                return false;
            }
        }

        return true;
    }
}
