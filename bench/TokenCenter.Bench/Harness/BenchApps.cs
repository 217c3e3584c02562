using TokenCenter.V1;

namespace TokenCenter.Bench.Harness;

/// <summary>App ids, secrets and keys used by the scenarios (simulator and server agree on them).</summary>
internal static class BenchApps
{
    public const string DemoAppId = "wx0000000000000001";

    public static string AppId(int index) => "wx" + (0xbe00_0000_0000_0000UL + (ulong)index).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    public static string Secret(string appId) => "bench-secret-" + appId;

    public static TokenKey Key(string appId) => new() { Kind = TokenKind.AccessToken, AppId = appId };

    /// <summary>Configuration entries <c>TokenCenter:Apps:i:*</c> for <paramref name="apps"/>.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Configuration(IEnumerable<(string AppId, string Grant)> apps, string prefix = "TokenCenter:Apps")
    {
        var i = 0;
        foreach (var (appId, grant) in apps)
        {
            yield return new($"{prefix}:{i}:AppId", appId);
            yield return new($"{prefix}:{i}:Secret", Secret(appId));
            yield return new($"{prefix}:{i}:Grant", grant);
            i++;
        }
    }
}
