using System.CommandLine;
using TokenCenter.V1;

namespace TokenCenter.Ctl;

/// <summary>The options shared by every command (recursive on the root) and the key options.</summary>
internal sealed class CtlOptions
{
    public const string DefaultAddress = "http://127.0.0.1:5001";
    public const string AddressVariable = "TOKENCENTER_ADDRESS";
    public const string ApiKeyVariable = "TOKENCENTER_API_KEY";

    private static readonly string[] Kinds = ["access_token", "component_access_token", "authorizer_access_token", "jsapi_ticket", "wx_card_ticket"];

    public CtlOptions(Func<string, string?> environment)
    {
        Address = new Option<string>("--address")
        {
            Description = $"TokenCenter gRPC address (env {AddressVariable}; default {DefaultAddress})",
            Recursive = true,
            DefaultValueFactory = _ => environment(AddressVariable) is { Length: > 0 } a ? a : DefaultAddress,
        };
        ApiKey = new Option<string?>("--api-key")
        {
            Description = $"API key sent as 'authorization: Bearer …' (env {ApiKeyVariable})",
            Recursive = true,
        };
        Environment = environment;
        Json = new Option<bool>("--json") { Description = "Print JSON instead of text", Recursive = true };
        Timeout = new Option<double>("--timeout")
        {
            Description = "Deadline of a unary call, in seconds",
            Recursive = true,
            DefaultValueFactory = _ => 10,
        };
        Kind = new Option<string>("--kind")
        {
            Description = "Kind of token",
            DefaultValueFactory = _ => "access_token",
        };
        Kind.AcceptOnlyFromAmong(Kinds);
        Component = new Option<string?>("--component")
        {
            Description = "Component (third-party platform) app id, for authorizer tokens and their tickets",
        };
        AppId = new Argument<string>("appId") { Description = "The app id (for component_access_token: the component app id)" };
    }

    /// <summary>Reads environment variables (the API key is read here, not as a default value, so that --help never shows it).</summary>
    public Func<string, string?> Environment { get; }

    public Option<string> Address { get; }

    public Option<string?> ApiKey { get; }

    public Option<bool> Json { get; }

    public Option<double> Timeout { get; }

    public Option<string> Kind { get; }

    public Option<string?> Component { get; }

    public Argument<string> AppId { get; }

    /// <summary>The key named by the appId argument, --kind and --component.</summary>
    public TokenKey KeyOf(ParseResult parse)
    {
        var appId = parse.GetValue(AppId) ?? string.Empty;
        var component = parse.GetValue(Component) ?? string.Empty;
        return parse.GetValue(Kind) switch
        {
            "component_access_token" => new TokenKey { Kind = TokenKind.ComponentAccessToken, ComponentAppId = appId },
            "authorizer_access_token" => new TokenKey { Kind = TokenKind.AuthorizerAccessToken, AppId = appId, ComponentAppId = component },
            "jsapi_ticket" => new TokenKey { Kind = TokenKind.JsapiTicket, AppId = appId, ComponentAppId = component },
            "wx_card_ticket" => new TokenKey { Kind = TokenKind.WxCardTicket, AppId = appId, ComponentAppId = component },
            _ => new TokenKey { Kind = TokenKind.AccessToken, AppId = appId },
        };
    }
}
