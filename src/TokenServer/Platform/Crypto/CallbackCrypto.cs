using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TokenCenter.Server.Platform.Crypto;

/// <summary>
/// The server's own implementation of WeChat's callback message crypto (WXBizMsgCrypt): signature check
/// and decryption. Independent of the simulator's, so that the two cross-check each other in tests.
/// <list type="bullet">
/// <item>msg_signature = hex SHA-1 of the ordinal-sorted concatenation of token, timestamp, nonce, Encrypt.</item>
/// <item>AES-256-CBC, key = Base64(EncodingAESKey + "="), IV = key[0..16), PKCS#7 padding with block 32.</item>
/// <item>plaintext = 16 random bytes ‖ 4-byte big-endian XML length ‖ XML ‖ appid.</item>
/// </list>
/// </summary>
internal static class CallbackCrypto
{
    private const int BlockPadding = 32;
    private const int Header = 20; // 16 random + 4 length

    /// <summary>Whether <paramref name="signature"/> is the msg_signature of the other values (constant-time compare).</summary>
    public static bool VerifySignature(string token, string timestamp, string nonce, string encrypt, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || signature.Length != 40)
        {
            return false;
        }

        var expected = ComputeSignature(token, timestamp, nonce, encrypt);
        Span<byte> given = stackalloc byte[40];
        var n = Encoding.ASCII.GetBytes(signature.ToLowerInvariant(), given);
        return n == 40 && CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>The 40 lowercase hex characters of a msg_signature, as ASCII bytes.</summary>
    public static byte[] ComputeSignature(string token, string timestamp, string nonce, string encrypt)
    {
        var parts = new[] { token, timestamp, nonce, encrypt };
        Array.Sort(parts, StringComparer.Ordinal);
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(string.Join(string.Empty, parts)));
        return Encoding.ASCII.GetBytes(Convert.ToHexStringLower(hash));
    }

    /// <summary>
    /// Decrypts <paramref name="encrypt"/> with <paramref name="key"/> and checks that it was sealed for
    /// <paramref name="expectedAppId"/>. Returns the XML, or null with <paramref name="reason"/> on any failure
    /// (not base64, not whole blocks, bad padding, bad length, wrong appid).
    /// </summary>
    public static string? TryDecrypt(byte[] key, string encrypt, string expectedAppId, out string reason)
    {
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(encrypt);
        }
        catch (FormatException)
        {
            reason = "Encrypt is not base64";
            return null;
        }

        if (cipher.Length < BlockPadding || cipher.Length % 16 != 0)
        {
            reason = "Encrypt is truncated (not whole AES blocks)";
            return null;
        }

        byte[] plain;
        using (var aes = Aes.Create())
        {
            aes.Key = key;
            plain = aes.DecryptCbc(cipher, key.AsSpan(0, 16), PaddingMode.None);
        }

        var pad = plain[^1];
        if (pad == 0 || pad > BlockPadding || pad > plain.Length)
        {
            reason = "bad padding";
            return null;
        }

        var bad = 0;
        for (var i = plain.Length - pad; i < plain.Length; i++)
        {
            bad |= plain[i] ^ pad;
        }

        if (bad != 0)
        {
            reason = "bad padding";
            return null;
        }

        var content = plain.AsSpan(0, plain.Length - pad);
        if (content.Length < Header)
        {
            reason = "message too short";
            return null;
        }

        var xmlLength = BinaryPrimitives.ReadUInt32BigEndian(content.Slice(16, 4));
        if (xmlLength > (uint)(content.Length - Header))
        {
            reason = "bad length field";
            return null;
        }

        var xml = content.Slice(Header, (int)xmlLength);
        var appId = content[(Header + (int)xmlLength)..];
        if (!appId.SequenceEqual(Encoding.UTF8.GetBytes(expectedAppId)))
        {
            reason = "sealed for another appid";
            return null;
        }

        reason = string.Empty;
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(xml);
        }
        catch (DecoderFallbackException)
        {
            reason = "XML is not UTF-8";
            return null;
        }
    }

    /// <summary>
    /// Encrypts <paramref name="xml"/> for <paramref name="appId"/> (encrypted replies; and the reverse direction
    /// of the cross-check with the simulator). Returns base64.
    /// </summary>
    public static string Encrypt(byte[] key, string xml, string appId)
    {
        var xmlBytes = Encoding.UTF8.GetBytes(xml);
        var appBytes = Encoding.UTF8.GetBytes(appId);
        var length = Header + xmlBytes.Length + appBytes.Length;
        var pad = BlockPadding - (length % BlockPadding);
        var plain = new byte[length + pad];
        RandomNumberGenerator.Fill(plain.AsSpan(0, 16));
        BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(16, 4), (uint)xmlBytes.Length);
        xmlBytes.CopyTo(plain, Header);
        appBytes.CopyTo(plain, Header + xmlBytes.Length);
        plain.AsSpan(length).Fill((byte)pad);
        using var aes = Aes.Create();
        aes.Key = key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, key.AsSpan(0, 16), PaddingMode.None));
    }
}
