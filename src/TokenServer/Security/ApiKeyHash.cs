using System.Security.Cryptography;
using System.Text;

namespace TokenCenter.Server.Security;

/// <summary>SHA-256 of API keys: parsing the configured hex form, hashing a presented key.</summary>
internal static class ApiKeyHash
{
    public static bool TryParse(string? hex, out byte[] hash)
    {
        hash = [];
        if (hex is null || hex.Trim().Length != 64)
        {
            return false;
        }

        try
        {
            hash = Convert.FromHexString(hex.Trim());
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static byte[] Of(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The hex form an operator puts in configuration (what <c>sha256sum</c> prints).</summary>
    public static string Hex(string key) => Convert.ToHexStringLower(Of(key));
}
