using Microsoft.Extensions.Options;

namespace TokenCenter.Client.Internal;

/// <summary>Validates <see cref="TokenCenterClientOptions"/> at start; each failure names its key.</summary>
internal sealed class TokenCenterClientOptionsValidator : IValidateOptions<TokenCenterClientOptions>
{
    private const string Root = TokenCenterClientOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, TokenCenterClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Addresses is null || options.Addresses.Count == 0)
        {
            errors.Add($"{Root}:Addresses must list at least one TokenCenter gRPC address (e.g. http://127.0.0.1:5001)");
        }
        else
        {
            for (var i = 0; i < options.Addresses.Count; i++)
            {
                var text = options.Addresses[i];
                if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
                {
                    errors.Add($"{Root}:Addresses:{i} '{text}' must be an absolute http:// or https:// URI without query or user info");
                }
            }
        }

        if (options.ApiKey is { Length: > 0 } key && key.Any(c => c < 0x21 || c > 0x7E))
        {
            errors.Add($"{Root}:ApiKey must be printable ASCII without spaces");
        }

        Positive(options.CallTimeout, "CallTimeout", errors);
        Positive(options.FallbackPollInterval, "FallbackPollInterval", errors);
        Positive(options.ReconnectBaseDelay, "ReconnectBaseDelay", errors);
        if (options.ExpirySafetyMargin < TimeSpan.Zero || options.ExpirySafetyMargin >= TimeSpan.FromMinutes(30))
        {
            errors.Add($"{Root}:ExpirySafetyMargin must be between 0 and 30 minutes (was {options.ExpirySafetyMargin})");
        }

        if (options.ReconnectMaxDelay < options.ReconnectBaseDelay)
        {
            errors.Add($"{Root}:ReconnectMaxDelay must be at least {Root}:ReconnectBaseDelay (was {options.ReconnectMaxDelay})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(TimeSpan value, string key, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{Root}:{key} must be a positive duration (was {value})");
        }
    }
}
