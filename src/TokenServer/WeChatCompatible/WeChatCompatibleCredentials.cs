using System.Security.Cryptography;
using System.Text;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.WeChatCompatible;

/// <summary>
/// Checks an (appid, secret) pair against the configured apps. Secrets are compared in constant time
/// over their SHA-256 digests, so neither the content nor the length of the configured secret leaks.
/// </summary>
internal sealed class WeChatCompatibleCredentials(AppCatalog catalog, TokenEngine engine)
{
    /// <summary>0 when the pair is valid; otherwise 40013 (unknown appid) or 40125 (wrong secret).</summary>
    public int Check(string appId, string secret)
    {
        var app = catalog.Find(appId);
        if (app is null || !engine.IsConfigured(TokenSlotKey.AccessToken(appId)))
        {
            return WeChatCompatibleErrors.InvalidAppId;
        }

        return SecretEquals(app.Secret, secret) ? 0 : WeChatCompatibleErrors.InvalidAppSecret;
    }

    internal static bool SecretEquals(string expected, string presented)
    {
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
