using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace WeChatSimulator;

/// <summary>
/// WeChat's message encryption for platform callbacks (the WXBizMsgCrypt scheme), written from the
/// protocol description: AESKey = Base64Decode(EncodingAESKey + "="), AES-256-CBC with IV = AESKey[0..16),
/// PKCS#7 padding to a multiple of 32 bytes, plaintext = 16 random bytes ‖ 4-byte big-endian length of
/// the XML ‖ XML (UTF-8) ‖ app id. Public so that tests (of the simulator and of the server) can build and
/// open events.
/// </summary>
public sealed class WeChatMessageCrypto
{
    /// <summary>WXBizMsgCrypt pads to 32-byte blocks, not to the AES block size of 16.</summary>
    public const int PaddingBlockSize = 32;

    private const int RandomLength = 16;
    private const int LengthPrefix = 4;
    private readonly byte[] _key;

    /// <summary>Creates a cipher for the 43-character <paramref name="encodingAesKey"/>.</summary>
    /// <exception cref="ArgumentException">The key is not 43 base64 characters decoding to 32 bytes.</exception>
    public WeChatMessageCrypto(string encodingAesKey)
    {
        ArgumentNullException.ThrowIfNull(encodingAesKey);
        _key = DecodeKey(encodingAesKey) ?? throw new ArgumentException(
            "An EncodingAESKey is 43 base64 characters that decode (with a trailing '=') to 32 bytes.", nameof(encodingAesKey));
    }

    /// <summary>Whether <paramref name="encodingAesKey"/> is a well-formed 43-character EncodingAESKey.</summary>
    public static bool IsValidEncodingAesKey(string? encodingAesKey) => encodingAesKey is not null && DecodeKey(encodingAesKey) is not null;

    /// <summary>Encrypts <paramref name="xml"/> for <paramref name="appId"/> with 16 fresh random bytes; returns base64.</summary>
    public string Encrypt(string xml, string appId) => Encrypt(xml, appId, RandomNumberGenerator.GetBytes(RandomLength));

    /// <summary>
    /// Encrypts with the given 16-byte <paramref name="random"/> prefix (deterministic output, for known-answer tests).
    /// </summary>
    public string Encrypt(string xml, string appId, ReadOnlySpan<byte> random)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentNullException.ThrowIfNull(appId);
        if (random.Length != RandomLength)
        {
            throw new ArgumentException($"The random prefix is {RandomLength} bytes.", nameof(random));
        }

        var xmlLength = Encoding.UTF8.GetByteCount(xml);
        var appIdLength = Encoding.UTF8.GetByteCount(appId);
        var contentLength = RandomLength + LengthPrefix + xmlLength + appIdLength;
        var pad = PaddingBlockSize - (contentLength % PaddingBlockSize);
        var plain = new byte[contentLength + pad];
        random.CopyTo(plain);
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(RandomLength), xmlLength);
        Encoding.UTF8.GetBytes(xml, plain.AsSpan(RandomLength + LengthPrefix));
        Encoding.UTF8.GetBytes(appId, plain.AsSpan(RandomLength + LengthPrefix + xmlLength));
        plain.AsSpan(contentLength).Fill((byte)pad);

        using var aes = CreateAes();
        return Convert.ToBase64String(aes.EncryptCbc(plain, _key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>Decrypts a base64 <c>Encrypt</c> value into the XML and the app id it was sealed for.</summary>
    /// <exception cref="CryptographicException">Not base64, not whole AES blocks, bad padding or a bad length field.</exception>
    public (string Xml, string AppId) Decrypt(string encrypted)
    {
        ArgumentNullException.ThrowIfNull(encrypted);
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(encrypted);
        }
        catch (FormatException e)
        {
            throw new CryptographicException("The encrypted message is not base64.", e);
        }

        if (cipher.Length == 0 || cipher.Length % 16 != 0)
        {
            throw new CryptographicException($"The encrypted message is {cipher.Length} bytes, not whole AES blocks.");
        }

        using var aes = CreateAes();
        var plain = aes.DecryptCbc(cipher, _key.AsSpan(0, 16), PaddingMode.None);
        int pad = plain[^1];
        if (pad is < 1 or > PaddingBlockSize || pad > plain.Length || plain.AsSpan(plain.Length - pad).ContainsAnyExcept((byte)pad))
        {
            throw new CryptographicException("The decrypted message has invalid padding (wrong EncodingAESKey?).");
        }

        var content = plain.AsSpan(0, plain.Length - pad);
        if (content.Length < RandomLength + LengthPrefix)
        {
            throw new CryptographicException("The decrypted message is too short.");
        }

        var xmlLength = BinaryPrimitives.ReadInt32BigEndian(content[RandomLength..]);
        var rest = content[(RandomLength + LengthPrefix)..];
        if (xmlLength < 0 || xmlLength > rest.Length)
        {
            throw new CryptographicException($"The decrypted message announces {xmlLength} bytes of XML but holds {rest.Length}.");
        }

        return (Encoding.UTF8.GetString(rest[..xmlLength]), Encoding.UTF8.GetString(rest[xmlLength..]));
    }

    /// <summary>
    /// <c>msg_signature</c>: lowercase hex SHA-1 of the four strings sorted ordinally and concatenated.
    /// </summary>
    public static string Signature(string token, string timestamp, string nonce, string encrypt)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(encrypt);
        string[] parts = [token, timestamp, nonce, encrypt];
        Array.Sort(parts, StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts))));
    }

    /// <summary>
    /// Seals <paramref name="xml"/> the way WeChat posts it to a callback URL: encrypted for
    /// <paramref name="appId"/>, signed with <paramref name="token"/> at <paramref name="time"/>, wrapped in
    /// <c>&lt;xml&gt;&lt;AppId/&gt;&lt;Encrypt/&gt;&lt;/xml&gt;</c>.
    /// </summary>
    public WeChatEncryptedMessage Seal(string xml, string appId, string token, DateTimeOffset time, string? nonce = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        var encrypt = Encrypt(xml, appId);
        var timestamp = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        nonce ??= RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var body = new XElement(
            "xml",
            new XElement("AppId", new XCData(appId)),
            new XElement("Encrypt", new XCData(encrypt)));
        return new WeChatEncryptedMessage(timestamp, nonce, Signature(token, timestamp, nonce, encrypt), encrypt, body.ToString(SaveOptions.DisableFormatting));
    }

    private static byte[]? DecodeKey(string encodingAesKey)
    {
        if (encodingAesKey.Length != 43)
        {
            return null;
        }

        var key = new byte[33];
        return Convert.TryFromBase64String(encodingAesKey + "=", key, out var written) && written == 32 ? key[..32] : null;
    }

    private Aes CreateAes()
    {
        var aes = Aes.Create();
        aes.Key = _key;
        return aes;
    }
}
