namespace TokenCenter.Server.Platform.Crypto;

/// <summary>Decodes an EncodingAESKey: 43 base64 characters + "=" → the 32-byte AES key.</summary>
internal static class EncodingAesKey
{
    public const int Length = 43;

    /// <summary>The 32-byte key, or null when <paramref name="encodingAesKey"/> is not a well-formed EncodingAESKey.</summary>
    public static byte[]? TryDecode(string? encodingAesKey)
    {
        if (encodingAesKey is null || encodingAesKey.Length != Length)
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[33];
        return Convert.TryFromBase64String(encodingAesKey + "=", buffer, out var written) && written == 32
            ? buffer[..32].ToArray()
            : null;
    }
}
