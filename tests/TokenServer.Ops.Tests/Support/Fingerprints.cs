using System.Security.Cryptography;
using System.Text;

namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>The server's log fingerprint of a token value: first 8 hex characters of its SHA-256.</summary>
internal static class Fingerprints
{
    public static string Of(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..8];
}
