using System.Security.Cryptography;
using System.Text;

namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>The apps and API keys the tests configure (all of them are "secrets" the scans look for).</summary>
public static class TestKeys
{
    public const string App = "wx0000000000000001";
    public const string AppSecret = "app-secret-7f3c9a1e5b2d4c6f";
    public const string OtherApp = "wx0000000000000002";
    public const string OtherAppSecret = "other-secret-1a2b3c4d5e6f7a8b";
    public const string BadApp = "wx00000000000000b1";
    public const string BadAppSecret = "wrong-secret-9e8d7c6b5a4f";
    public const string BadAppSimulatorSecret = "true-secret-0f1e2d3c4b5a";

    public const string ReaderKey = "tc_reader_6d3e1f0a9b8c7d6e";
    public const string ForcerKey = "tc_forcer_2b4d6f8a0c1e3a5c";
    public const string OperatorKey = "tc_operator_5a7c9e1b3d5f7a9c";
    public const string UnknownKey = "tc_nobody_0000000000000000";

    public static IReadOnlyList<string> Secrets { get; } =
        [AppSecret, OtherAppSecret, BadAppSecret, BadAppSimulatorSecret, ReaderKey, ForcerKey, OperatorKey];

    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>App (readable by reader and forcer), auth on with three keys.</summary>
    public static Dictionary<string, string?> Standard(bool withBadApp = false)
    {
        var c = new Dictionary<string, string?>
        {
            ["TokenCenter:Apps:0:AppId"] = App,
            ["TokenCenter:Apps:0:Secret"] = AppSecret,
            ["TokenCenter:Apps:1:AppId"] = OtherApp,
            ["TokenCenter:Apps:1:Secret"] = OtherAppSecret,
            ["TokenCenter:Apps:1:Grant"] = "Classic",
            ["Auth:Enabled"] = "true",
            ["Auth:Keys:0:Name"] = "reader",
            ["Auth:Keys:0:Sha256"] = Sha256(ReaderKey),
            ["Auth:Keys:0:Apps:0"] = App,
            ["Auth:Keys:1:Name"] = "forcer",
            ["Auth:Keys:1:Sha256"] = Sha256(ForcerKey),
            ["Auth:Keys:1:Apps:0"] = "*",
            ["Auth:Keys:1:CanForceRefresh"] = "true",
            ["Auth:Keys:2:Name"] = "ops",
            ["Auth:Keys:2:Sha256"] = Sha256(OperatorKey),
            ["Auth:Keys:2:Operator"] = "true",
        };
        if (withBadApp)
        {
            c["TokenCenter:Apps:2:AppId"] = BadApp;
            c["TokenCenter:Apps:2:Secret"] = BadAppSecret;
            c["TokenCenter:Apps:2:SimulatorSecret"] = BadAppSimulatorSecret;
            c["TokenCenter:Apps:2:Grant"] = "Classic";
            c["Auth:Keys:1:Apps:0"] = "*";
        }

        return c;
    }
}
