using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace TokenCenter.Server.Platform.Crypto;

/// <summary>
/// Encrypts values at rest (authorizer refresh tokens) with AES-256-GCM. Format:
/// <c>v1:{keyId}:{base64(nonce ‖ ciphertext ‖ tag)}</c>; the key id selects the key on decryption, so keys
/// can rotate (<c>TokenCenter:Encryption:ActiveKeyId</c> encrypts, every configured key decrypts). The
/// associated data binds a ciphertext to its record (component and authorizer), so values cannot be swapped.
/// </summary>
internal sealed class SecretCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private readonly string? _activeId;

    public SecretCipher(IOptions<PlatformOptions> options)
    {
        var e = options.Value.Encryption;
        foreach (var k in e.Keys)
        {
            if (k?.Id is { } id && DecodeKey(k.Key) is { } key)
            {
                _keys[id] = key;
            }
        }

        _activeId = e.ActiveKeyId;
    }

    /// <summary>The 32-byte key, or null when <paramref name="base64"/> is not the base64 of 32 bytes.</summary>
    public static byte[]? DecodeKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        var buffer = new byte[48];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var n) && n == 32 ? buffer[..32] : null;
    }

    public string Encrypt(string plaintext, string associatedData)
    {
        if (_activeId is null || !_keys.TryGetValue(_activeId, out var key))
        {
            throw new InvalidOperationException("TokenCenter:Encryption:ActiveKeyId names no configured key.");
        }

        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(associatedData));
        return $"v1:{_activeId}:{Convert.ToBase64String(output)}";
    }

    /// <exception cref="CryptographicException">Unknown key id, malformed value or failed authentication.</exception>
    public string Decrypt(string stored, string associatedData)
    {
        var parts = stored.Split(':', 3);
        if (parts.Length != 3 || parts[0] != "v1")
        {
            throw new CryptographicException("The stored value is not in the v1 format.");
        }

        if (!_keys.TryGetValue(parts[1], out var key))
        {
            throw new CryptographicException($"The stored value was encrypted with key '{parts[1]}', which is not configured in TokenCenter:Encryption:Keys.");
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException ex)
        {
            throw new CryptographicException("The stored value is not base64.", ex);
        }

        if (data.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The stored value is truncated.");
        }

        var plain = new byte[data.Length - NonceSize - TagSize];
        using var gcm = new AesGcm(key, TagSize);
        gcm.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize, plain.Length), data.AsSpan(NonceSize + plain.Length), plain, Encoding.UTF8.GetBytes(associatedData));
        return Encoding.UTF8.GetString(plain);
    }
}
