using Grpc.Core;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.V1;

namespace TokenCenter.Server.Services;

/// <summary>Checks a request's <see cref="TokenKey"/>; failures are INVALID_ARGUMENT naming the field, or NOT_FOUND.</summary>
internal static class KeyValidator
{
    private static readonly Google.Protobuf.Reflection.EnumDescriptor KindDescriptor =
        TokenCenterReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.EnumDescriptor>("TokenKind");

    public static TokenSlotKey Validate(TokenKey? key, string field, TokenEngine engine)
    {
        if (key is null)
        {
            throw Invalid($"{field} is required");
        }

        if (key.Kind == TokenKind.Unspecified)
        {
            throw Invalid($"{field}.kind is required");
        }

        var kindName = KindDescriptor.FindValueByNumber((int)key.Kind)?.Name;
        if (kindName is null)
        {
            throw Invalid($"{field}.kind {(int)key.Kind} is unknown");
        }

        if (key.Kind is TokenKind.ComponentAccessToken && key.AppId.Length > 0)
        {
            throw Invalid($"{field}.app_id must be empty for {kindName}");
        }

        var needsApp = key.Kind != TokenKind.ComponentAccessToken;
        var needsComponent = key.Kind is TokenKind.ComponentAccessToken or TokenKind.AuthorizerAccessToken;
        CheckAppId(key.AppId, field, ".app_id", needsApp, kindName);
        if (key.Kind is TokenKind.AccessToken && key.ComponentAppId.Length > 0)
        {
            throw Invalid($"{field}.component_app_id must be empty for {kindName}");
        }

        if (needsComponent)
        {
            CheckAppId(key.ComponentAppId, field, ".component_app_id", required: true, kindName);
        }
        else if (key.Kind is TokenKind.JsapiTicket or TokenKind.WxCardTicket)
        {
            // An app's own ticket (no component) or an authorizer's (with its component).
            CheckAppId(key.ComponentAppId, field, ".component_app_id", required: false, kindName);
        }

        if (!engine.SupportsKind(key.Kind))
        {
            throw Invalid($"kind {kindName} is not supported yet");
        }

        var slotKey = TokenSlotKey.FromProto(key);
        if (!engine.IsConfigured(slotKey))
        {
            throw new RpcException(new Status(StatusCode.NotFound, new UnknownTokenKeyException(slotKey).Message));
        }

        return slotKey;
    }

    // The field's name (field + suffix) is built only for an error message: this runs on every GetToken.
    private static void CheckAppId(string value, string field, string suffix, bool required, string kindName)
    {
        if (value.Length == 0)
        {
            if (required)
            {
                throw Invalid($"{field}{suffix} is required for {kindName}");
            }

            return;
        }

        if (!AppIdFormat.IsValid(value))
        {
            throw Invalid($"{field}{suffix} '{Printable(value)}' is malformed: {AppIdFormat.Expected}");
        }
    }

    private static string Printable(string value)
    {
        var shown = value.Length > 40 ? value[..40] + "…" : value;
        return new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]);
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
