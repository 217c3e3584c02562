using System.Security.Cryptography;
using System.Text;

namespace TokenCenter.Client.Internal;

/// <summary>A short, non-reversible fingerprint of a token value for logs (first 8 hex characters of its SHA-256).</summary>
internal static class TokenFingerprint
{
    public static string Of(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "-";
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return Convert.ToHexStringLower(hash[..4]);
    }
}
