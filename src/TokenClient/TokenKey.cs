namespace TokenCenter.Client;

/// <summary>
/// Names one token: its kind, the app id and (for a third-party platform's tokens) the component app id.
/// A value type: building one and looking it up allocates nothing.
/// </summary>
public readonly record struct TokenKey
{
    private readonly string? _appId;
    private readonly string? _componentAppId;

    /// <summary>Creates a key; throws <see cref="ArgumentException"/> when a field the kind needs is missing.</summary>
    /// <param name="kind">The kind of credential.</param>
    /// <param name="appId">The app (or authorizer) app id; empty only for <see cref="TokenKind.ComponentAccessToken"/>.</param>
    /// <param name="componentAppId">The third-party platform's app id; required for component and authorizer tokens.</param>
    public TokenKey(TokenKind kind, string? appId, string? componentAppId = null)
    {
        if (kind is < TokenKind.AccessToken or > TokenKind.WxCardTicket)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown token kind.");
        }

        if (kind != TokenKind.ComponentAccessToken && string.IsNullOrEmpty(appId))
        {
            throw new ArgumentException($"An app id is required for {kind}.", nameof(appId));
        }

        if (kind is TokenKind.ComponentAccessToken or TokenKind.AuthorizerAccessToken && string.IsNullOrEmpty(componentAppId))
        {
            throw new ArgumentException($"A component app id is required for {kind}.", nameof(componentAppId));
        }

        if (kind == TokenKind.AccessToken && !string.IsNullOrEmpty(componentAppId))
        {
            throw new ArgumentException("An app's own access_token has no component app id; use AuthorizerAccessToken.", nameof(componentAppId));
        }

        Kind = kind;
        _appId = appId ?? string.Empty;
        _componentAppId = componentAppId ?? string.Empty;
    }

    /// <summary>The kind of credential.</summary>
    public TokenKind Kind { get; }

    /// <summary>The app (or authorizer) app id; empty for a component_access_token.</summary>
    public string AppId => _appId ?? string.Empty;

    /// <summary>The third-party platform's app id; empty for an app's own tokens.</summary>
    public string ComponentAppId => _componentAppId ?? string.Empty;

    /// <summary>An app's own access_token.</summary>
    public static TokenKey AccessToken(string appId) => new(TokenKind.AccessToken, appId);

    /// <summary>A third-party platform's component_access_token.</summary>
    public static TokenKey ComponentAccessToken(string componentAppId) => new(TokenKind.ComponentAccessToken, null, componentAppId);

    /// <summary>The authorizer_access_token of <paramref name="authorizerAppId"/> under <paramref name="componentAppId"/>.</summary>
    public static TokenKey AuthorizerAccessToken(string componentAppId, string authorizerAppId) =>
        new(TokenKind.AuthorizerAccessToken, authorizerAppId, componentAppId);

    /// <summary>A ticket of <paramref name="appId"/> (with <paramref name="componentAppId"/> when the app is an authorizer).</summary>
    public static TokenKey Ticket(string appId, TicketKind kind, string? componentAppId = null) => kind switch
    {
        TicketKind.Jsapi => new(TokenKind.JsapiTicket, appId, componentAppId),
        TicketKind.WxCard => new(TokenKind.WxCardTicket, appId, componentAppId),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown ticket kind."),
    };

    /// <summary>"kind:component:app", e.g. <c>AccessToken::wx0000000000000001</c>.</summary>
    public override string ToString() => $"{Kind}:{ComponentAppId}:{AppId}";
}
