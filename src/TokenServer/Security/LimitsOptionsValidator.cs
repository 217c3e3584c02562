using Microsoft.Extensions.Options;

namespace TokenCenter.Server.Security;

/// <summary>Validates <see cref="LimitsOptions"/> at start; every message names the configuration key.</summary>
internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Positive(options.RpcPermitLimit, "Limits:RpcPermitLimit", errors);
        Positive(options.ForceRefreshPermitLimit, "Limits:ForceRefreshPermitLimit", errors);
        Positive(options.WatchStreamsPerCaller, "Limits:WatchStreamsPerCaller", errors);
        Positive(options.MaxStreamsPerConnection, "Limits:MaxStreamsPerConnection", errors);
        if (options.RpcWindow <= TimeSpan.Zero)
        {
            errors.Add($"Limits:RpcWindow must be a positive duration (was {options.RpcWindow})");
        }

        if (options.ForceRefreshWindow <= TimeSpan.Zero)
        {
            errors.Add($"Limits:ForceRefreshWindow must be a positive duration (was {options.ForceRefreshWindow})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(int value, string key, List<string> errors)
    {
        if (value <= 0)
        {
            errors.Add($"{key} must be positive (was {value})");
        }
    }
}
