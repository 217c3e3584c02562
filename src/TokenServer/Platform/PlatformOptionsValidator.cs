using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform.Crypto;

namespace TokenCenter.Server.Platform;

/// <summary>Validates <see cref="PlatformOptions"/> at start; each failure names its configuration key (never a value that is a secret).</summary>
internal sealed class PlatformOptionsValidator : IValidateOptions<PlatformOptions>
{
    private const string Root = TokenCenterOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, PlatformOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Components.Count; i++)
        {
            var c = options.Components[i];
            var path = $"{Root}:Components:{i}";
            if (c is null)
            {
                errors.Add($"{path} is empty");
                continue;
            }

            if (string.IsNullOrWhiteSpace(c.ComponentAppId))
            {
                errors.Add($"{path}:ComponentAppId is required");
            }
            else if (!AppIdFormat.IsValid(c.ComponentAppId))
            {
                errors.Add($"{path}:ComponentAppId '{c.ComponentAppId}' is malformed: {AppIdFormat.Expected}");
            }
            else if (!seen.TryAdd(c.ComponentAppId, i))
            {
                errors.Add($"{path}:ComponentAppId '{c.ComponentAppId}' duplicates {Root}:Components:{seen[c.ComponentAppId]}:ComponentAppId");
            }

            if (SecretReader.TryRead(new AppOptions { Secret = c.Secret, SecretFile = c.SecretFile }, path, out var problem) is null)
            {
                errors.Add(problem!);
            }

            if (string.IsNullOrWhiteSpace(c.Token))
            {
                errors.Add($"{path}:Token is required");
            }

            if (EncodingAesKey.TryDecode(c.EncodingAesKey) is null)
            {
                errors.Add($"{path}:EncodingAesKey is required: 43 base64 characters that decode (with a trailing '=') to 32 bytes");
            }

            if (!string.IsNullOrEmpty(c.PreviousEncodingAesKey) && EncodingAesKey.TryDecode(c.PreviousEncodingAesKey) is null)
            {
                errors.Add($"{path}:PreviousEncodingAesKey is malformed: 43 base64 characters that decode to 32 bytes");
            }
        }

        ValidateEncryption(options.Encryption ?? new(), options.Components.Count > 0, errors);
        ValidateSettings(options.Platform ?? new(), errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateEncryption(EncryptionOptions e, bool required, List<string> errors)
    {
        const string path = $"{Root}:Encryption";
        if (e.Keys.Count == 0)
        {
            if (required)
            {
                errors.Add($"{path}:Keys is required when {Root}:Components is set (authorizer refresh tokens are encrypted at rest): add {path}:Keys:0:Id and {path}:Keys:0:Key (base64 of 32 bytes) and {path}:ActiveKeyId");
            }

            return;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < e.Keys.Count; i++)
        {
            var k = e.Keys[i];
            if (k is null || string.IsNullOrEmpty(k.Id) || k.Id.Length > 32 || !k.Id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_'))
            {
                errors.Add($"{path}:Keys:{i}:Id is required: letters, digits, '-' or '_', at most 32 characters");
            }
            else if (!ids.Add(k.Id))
            {
                errors.Add($"{path}:Keys:{i}:Id '{k.Id}' is a duplicate");
            }

            if (SecretCipher.DecodeKey(k?.Key) is null)
            {
                errors.Add($"{path}:Keys:{i}:Key must be the base64 of 32 bytes");
            }
        }

        if (string.IsNullOrEmpty(e.ActiveKeyId))
        {
            errors.Add($"{path}:ActiveKeyId is required");
        }
        else if (!ids.Contains(e.ActiveKeyId))
        {
            errors.Add($"{path}:ActiveKeyId '{e.ActiveKeyId}' names no key of {path}:Keys");
        }
    }

    private static void ValidateSettings(PlatformSettings p, List<string> errors)
    {
        const string path = $"{Root}:Platform";
        if (string.IsNullOrWhiteSpace(p.CallbackPath) || !p.CallbackPath.StartsWith('/') || !p.CallbackPath.Contains("{componentAppId}", StringComparison.Ordinal))
        {
            errors.Add($"{path}:CallbackPath must start with '/' and contain {{componentAppId}} (was '{p.CallbackPath}')");
        }

        if (p.MaxCallbackBytes is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add($"{path}:MaxCallbackBytes must be between 1024 and 16777216 (was {p.MaxCallbackBytes})");
        }

        Positive(p.ReplayWindow, $"{path}:ReplayWindow", errors);
        Positive(p.AuthorizerAhead, $"{path}:AuthorizerAhead", errors);
        if (p.AuthorizerJitter < TimeSpan.Zero)
        {
            errors.Add($"{path}:AuthorizerJitter must not be negative (was {p.AuthorizerJitter})");
        }

        if (p.AuthorizerAhead + p.AuthorizerJitter >= TimeSpan.FromHours(1))
        {
            errors.Add($"{path}:AuthorizerAhead plus {path}:AuthorizerJitter must be under 1 hour (was {p.AuthorizerAhead + p.AuthorizerJitter})");
        }

        if (p.AuthorizerRefreshRate < 1)
        {
            errors.Add($"{path}:AuthorizerRefreshRate must be at least 1 (was {p.AuthorizerRefreshRate})");
        }

        if (p.AuthorizerRefreshBurst < 0)
        {
            errors.Add($"{path}:AuthorizerRefreshBurst must not be negative (was {p.AuthorizerRefreshBurst})");
        }

        Positive(p.SchedulerInterval, $"{path}:SchedulerInterval", errors);
        Positive(p.ClaimLease, $"{path}:ClaimLease", errors);
        Positive(p.RescheduleInterval, $"{path}:RescheduleInterval", errors);
        Positive(p.StartPushTicketInterval, $"{path}:StartPushTicketInterval", errors);
        if (p.AuthorizationPageUrl is null || !p.AuthorizationPageUrl.IsAbsoluteUri)
        {
            errors.Add($"{path}:AuthorizationPageUrl must be an absolute URL");
        }
    }

    private static void Positive(TimeSpan value, string key, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be a positive duration (was {value})");
        }
    }
}
