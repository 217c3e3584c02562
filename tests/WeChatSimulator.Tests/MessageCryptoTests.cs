using System.Security.Cryptography;
using System.Text;

namespace WeChatSimulator.Tests;

public sealed class MessageCryptoTests
{
    private const string Key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    [Fact]
    public void Encrypt_matches_the_published_WXBizMsgCrypt_sample()
    {
        // Tencent's sample: random "aaaabbbbccccdddd", appid wxb11529c136998cb6, text "我是中文abcd123".
        var crypto = new WeChatMessageCrypto(Key);

        var encrypted = crypto.Encrypt("我是中文abcd123", "wxb11529c136998cb6", "aaaabbbbccccdddd"u8);

        Assert.Equal("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==", encrypted);
    }

    [Fact]
    public void Decrypt_opens_a_message_sealed_by_another_implementation()
    {
        var crypto = new WeChatMessageCrypto("8tcbqHabYBnQ2N7ID8BXtkordA4b1MzossELoCPvK8z");

        var (xml, appId) = crypto.Decrypt("9eOdb3odwWMVTiGRTm+uiVrx3SGwzjGyq6oWu4b2tWC51YbHQasEVD9ZdS6Nx+XBxB2C/qxZ8bl8+qRBUb8CVg==");

        Assert.Equal("7205136330722672511", xml);
        Assert.Equal("ww54047ef57875c719", appId);
    }

    [Fact]
    public void Signature_matches_a_known_answer()
    {
        var signature = WeChatMessageCrypto.Signature(
            "jF9WQd6XtH7", "1647328566", "1648278214", "9eOdb3odwWMVTiGRTm+uiVrx3SGwzjGyq6oWu4b2tWC51YbHQasEVD9ZdS6Nx+XBxB2C/qxZ8bl8+qRBUb8CVg==");

        Assert.Equal("0af7077e1d70aed01bf9a6f40b2b52a7536ec807", signature);
    }

    [Fact]
    public void Signature_is_sha1_of_the_ordinally_sorted_parts_whatever_their_order()
    {
        var expected = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes("1409304348" + "Zeta" + "abc" + "xxxxxx")));

        Assert.Equal(expected, WeChatMessageCrypto.Signature("abc", "1409304348", "xxxxxx", "Zeta"));
        Assert.Equal(expected, WeChatMessageCrypto.Signature("Zeta", "xxxxxx", "abc", "1409304348"));
        Assert.Equal(expected, WeChatMessageCrypto.Signature("xxxxxx", "Zeta", "1409304348", "abc"));
    }

    [Theory]
    [InlineData("<xml/>")]
    [InlineData("<xml><ComponentVerifyTicket><![CDATA[ticket@@@中文]]></ComponentVerifyTicket></xml>")]
    [InlineData("")]
    public void Encrypt_then_decrypt_round_trips_the_xml_and_the_appid(string xml)
    {
        var crypto = new WeChatMessageCrypto(Key);

        var (decrypted, appId) = crypto.Decrypt(crypto.Encrypt(xml, "wx1234567890abcdef"));

        Assert.Equal(xml, decrypted);
        Assert.Equal("wx1234567890abcdef", appId);
    }

    [Fact]
    public void Encrypt_uses_a_fresh_random_prefix_each_time()
    {
        var crypto = new WeChatMessageCrypto(Key);

        Assert.NotEqual(crypto.Encrypt("<xml/>", "wx1"), crypto.Encrypt("<xml/>", "wx1"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(40)]
    public void Padding_fills_to_a_multiple_of_32_bytes_with_PKCS7_values_up_to_32(int xmlLength)
    {
        var crypto = new WeChatMessageCrypto(Key);
        var appId = "wx1234567890abcdef";
        var content = 16 + 4 + xmlLength + appId.Length;

        var cipher = Convert.FromBase64String(crypto.Encrypt(new string('x', xmlLength), appId));
        var key = Convert.FromBase64String(Key + "=");
        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(cipher, key.AsSpan(0, 16), PaddingMode.None);

        Assert.Equal(0, cipher.Length % 32);
        var pad = 32 - (content % 32);
        Assert.Equal(content + pad, plain.Length);
        Assert.All(plain[content..], b => Assert.Equal(pad, b));
    }

    [Fact]
    public void Decrypt_with_the_wrong_key_fails_with_a_CryptographicException()
    {
        var encrypted = new WeChatMessageCrypto(Key).Encrypt("<xml/>", "wx1");
        var other = new WeChatMessageCrypto("8tcbqHabYBnQ2N7ID8BXtkordA4b1MzossELoCPvK8z");

        Assert.ThrowsAny<CryptographicException>(() => other.Decrypt(encrypted));
    }

    [Theory]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDE!G")]
    public void Malformed_EncodingAESKeys_are_rejected(string key)
    {
        Assert.False(WeChatMessageCrypto.IsValidEncodingAesKey(key));
        Assert.Throws<ArgumentException>(() => new WeChatMessageCrypto(key));
    }

    [Fact]
    public void Seal_produces_a_signed_envelope_that_opens_again()
    {
        var crypto = new WeChatMessageCrypto(Key);
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var message = crypto.Seal("<xml><A>1</A></xml>", "wx1234567890abcdef", "token", at, nonce: "42");

        Assert.Equal("1767225600", message.Timestamp);
        Assert.Equal(WeChatMessageCrypto.Signature("token", message.Timestamp, "42", message.Encrypt), message.MsgSignature);
        Assert.Equal($"<xml><AppId><![CDATA[wx1234567890abcdef]]></AppId><Encrypt><![CDATA[{message.Encrypt}]]></Encrypt></xml>", message.Body);
        Assert.Equal($"timestamp=1767225600&nonce=42&encrypt_type=aes&msg_signature={message.MsgSignature}", message.Query);
        Assert.Equal("<xml><A>1</A></xml>", crypto.Decrypt(message.Encrypt).Xml);
    }
}
