using System.Security.Cryptography;
using System.Text;

namespace TokenCenter.Protocol;

/// <summary>
/// A short, non-reversible fingerprint of a token value, for logs and tools: the first 8 hex
/// characters of its SHA-256. Server, client and tokenctl print the same fingerprint for one token.
/// </summary>
public static class TokenFingerprint
{
    /// <summary>The fingerprint of <paramref name="value"/>, or "-" when it is empty.</summary>
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
