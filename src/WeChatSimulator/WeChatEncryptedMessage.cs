namespace WeChatSimulator;

/// <summary>
/// An encrypted callback as WeChat posts it: the query parameters (<c>timestamp</c>, <c>nonce</c>,
/// <c>msg_signature</c>; <c>encrypt_type=aes</c> is implied) and the XML body.
/// </summary>
/// <param name="Timestamp">Unix seconds, as a string.</param>
/// <param name="Nonce">Random digits.</param>
/// <param name="MsgSignature">SHA-1 over token, timestamp, nonce and <paramref name="Encrypt"/> (<see cref="WeChatMessageCrypto.Signature"/>).</param>
/// <param name="Encrypt">The base64 ciphertext.</param>
/// <param name="Body"><c>&lt;xml&gt;&lt;AppId&gt;…&lt;/AppId&gt;&lt;Encrypt&gt;&lt;![CDATA[…]]&gt;&lt;/Encrypt&gt;&lt;/xml&gt;</c>.</param>
public sealed record WeChatEncryptedMessage(string Timestamp, string Nonce, string MsgSignature, string Encrypt, string Body)
{
    /// <summary>The query string WeChat appends to the callback URL (without the leading <c>?</c>).</summary>
    public string Query => $"timestamp={Timestamp}&nonce={Nonce}&encrypt_type=aes&msg_signature={MsgSignature}";
}
