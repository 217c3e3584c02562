using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

/// <summary>
/// Identifies one token slot: (kind, component app, app). <see cref="ComponentAppId"/> is empty for
/// an app's own tokens; <see cref="AppId"/> is empty for a component_access_token.
/// </summary>
public readonly record struct TokenSlotKey(TokenKind Kind, string ComponentAppId, string AppId)
{
    /// <summary>An app's own access_token.</summary>
    public static TokenSlotKey AccessToken(string appId) => new(TokenKind.AccessToken, string.Empty, appId);

    /// <summary>Short, stable kind name used in store keys, logs and metrics ("access_token", …).</summary>
    public string KindName => Kind switch
    {
        TokenKind.AccessToken => "access_token",
        TokenKind.ComponentAccessToken => "component_access_token",
        TokenKind.AuthorizerAccessToken => "authorizer_access_token",
        TokenKind.JsapiTicket => "jsapi_ticket",
        TokenKind.WxCardTicket => "wx_card_ticket",
        _ => "unspecified",
    };

    /// <summary>"kind:component:app", the form used in store keys and logs.</summary>
    public override string ToString() => $"{KindName}:{ComponentAppId}:{AppId}";

    /// <summary>The protobuf form of this key.</summary>
    public TokenKey ToProto() => new() { Kind = Kind, AppId = AppId, ComponentAppId = ComponentAppId };

    /// <summary>Converts a protobuf key (already validated) to a slot key.</summary>
    public static TokenSlotKey FromProto(TokenKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new(key.Kind, key.ComponentAppId, key.AppId);
    }
}
