using System.Security.Cryptography;
using System.Text;
using TokenCenter.Server.Platform.Crypto;
using WeChatSimulator;

namespace TokenServer.Platform.Tests;

/// <summary>The server's WXBizMsgCrypt implementation, cross-checked with the simulator's independent one.</summary>
public sealed class CryptoTests
{
    internal const string Key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    internal const string OtherKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut";
    internal const string AppId = "wx00000000000000c1";
    private const string Xml = "<xml><AppId><![CDATA[wx00000000000000c1]]></AppId><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket>ticket@@@中文</ComponentVerifyTicket></xml>";

    private static byte[] AesKey => EncodingAesKey.TryDecode(Key)!;

    [Fact]
    public void Simulator_sealed_message_is_verified_and_decrypted_by_the_server()
    {
        var sealedMessage = new WeChatMessageCrypto(Key).Seal(Xml, AppId, "verify-token", DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_000), "12345");

        Assert.True(CallbackCrypto.VerifySignature("verify-token", sealedMessage.Timestamp, sealedMessage.Nonce, sealedMessage.Encrypt, sealedMessage.MsgSignature));
        Assert.Equal(Xml, CallbackCrypto.TryDecrypt(AesKey, sealedMessage.Encrypt, AppId, out _));
    }

    [Fact]
    public void Server_encrypted_message_is_decrypted_by_the_simulator_and_signatures_agree()
    {
        var encrypted = CallbackCrypto.Encrypt(AesKey, Xml, AppId);

        var (xml, appId) = new WeChatMessageCrypto(Key).Decrypt(encrypted);
        Assert.Equal(Xml, xml);
        Assert.Equal(AppId, appId);
        Assert.Equal(WeChatMessageCrypto.Signature("t", "1", "n", encrypted), Encoding.ASCII.GetString(CallbackCrypto.ComputeSignature("t", "1", "n", encrypted)));
    }

    [Fact]
    public void Tampered_or_wrong_signature_is_rejected()
    {
        var m = new WeChatMessageCrypto(Key).Seal(Xml, AppId, "verify-token", DateTimeOffset.UnixEpoch, "1");
        var flipped = (m.MsgSignature[0] == 'a' ? 'b' : 'a') + m.MsgSignature[1..];

        Assert.False(CallbackCrypto.VerifySignature("verify-token", m.Timestamp, m.Nonce, m.Encrypt, flipped));
        Assert.False(CallbackCrypto.VerifySignature("other-token", m.Timestamp, m.Nonce, m.Encrypt, m.MsgSignature));
        Assert.False(CallbackCrypto.VerifySignature("verify-token", m.Timestamp, "2", m.Encrypt, m.MsgSignature));
        Assert.False(CallbackCrypto.VerifySignature("verify-token", m.Timestamp, m.Nonce, m.Encrypt + "A", m.MsgSignature));
        Assert.False(CallbackCrypto.VerifySignature("verify-token", m.Timestamp, m.Nonce, m.Encrypt, m.MsgSignature[..39]));
        Assert.False(CallbackCrypto.VerifySignature("verify-token", m.Timestamp, m.Nonce, m.Encrypt, null));
    }

    [Fact]
    public void Message_for_another_appid_is_rejected()
    {
        var encrypted = new WeChatMessageCrypto(Key).Encrypt(Xml, "wx00000000000000c2");

        Assert.Null(CallbackCrypto.TryDecrypt(AesKey, encrypted, AppId, out var reason));
        Assert.Contains("appid", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_key_is_rejected()
    {
        var encrypted = new WeChatMessageCrypto(OtherKey).Encrypt(Xml, AppId);

        Assert.Null(CallbackCrypto.TryDecrypt(AesKey, encrypted, AppId, out _));
    }

    [Fact]
    public void Bad_padding_and_truncated_ciphertext_are_rejected()
    {
        // A plaintext whose last byte is not valid PKCS#7 (block 32) padding.
        var plain = new byte[64];
        plain[^1] = 40;
        using var aes = Aes.Create();
        aes.Key = AesKey;
        var badPadding = Convert.ToBase64String(aes.EncryptCbc(plain, AesKey.AsSpan(0, 16), PaddingMode.None));
        var good = Convert.FromBase64String(new WeChatMessageCrypto(Key).Encrypt(Xml, AppId));

        Assert.Null(CallbackCrypto.TryDecrypt(AesKey, badPadding, AppId, out var reason));
        Assert.Equal("bad padding", reason);
        Assert.Null(CallbackCrypto.TryDecrypt(AesKey, Convert.ToBase64String(good[..^5]), AppId, out _));
        Assert.Null(CallbackCrypto.TryDecrypt(AesKey, Convert.ToBase64String(good[..16]), AppId, out _));
        Assert.Null(CallbackCrypto.TryDecrypt(AesKey, Convert.ToBase64String(good[..^16]), AppId, out _));
        Assert.Null(CallbackCrypto.TryDecrypt(AesKey, "not base64!", AppId, out _));
    }

    [Fact]
    public void Malformed_encoding_aes_keys_are_refused()
    {
        Assert.NotNull(EncodingAesKey.TryDecode(Key));
        Assert.Null(EncodingAesKey.TryDecode(Key[..42]));
        Assert.Null(EncodingAesKey.TryDecode(Key + "A"));
        Assert.Null(EncodingAesKey.TryDecode("!!!defghijklmnopqrstuvwxyz0123456789ABCDEFG"));
    }
}
