namespace TokenCenter.Client;

/// <summary>What kind of credential a <see cref="TokenKey"/> names (numbered as in the v1 API).</summary>
public enum TokenKind
{
    /// <summary>An app's access_token. Needs an app id.</summary>
    AccessToken = 1,

    /// <summary>A third-party platform's component_access_token. Needs a component app id.</summary>
    ComponentAccessToken = 2,

    /// <summary>An authorized account's authorizer_access_token. Needs a component app id and an app id.</summary>
    AuthorizerAccessToken = 3,

    /// <summary>A JS-SDK jsapi_ticket of an app (and of its component, for an authorizer).</summary>
    JsapiTicket = 4,

    /// <summary>A WeChat card api_ticket (type=wx_card) of an app (and of its component, for an authorizer).</summary>
    WxCardTicket = 5,
}

/// <summary>Which ticket <see cref="ITokenCenterClient.GetTicketAsync"/> returns.</summary>
public enum TicketKind
{
    /// <summary>The JS-SDK jsapi_ticket.</summary>
    Jsapi = 1,

    /// <summary>The WeChat card api_ticket (type=wx_card).</summary>
    WxCard = 2,
}
