using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;

namespace TokenCenter.Server.Security;

/// <summary>Validates <see cref="AuthOptions"/> at start; every message names the configuration key.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Enabled && options.Keys.Count == 0)
        {
            errors.Add("Auth:Keys must hold at least one key when Auth:Enabled is true (set Auth:Keys:0:Name, Auth:Keys:0:Sha256, Auth:Keys:0:Apps; see docs/operations.md)");
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var path = $"Auth:Keys:{i}";
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                errors.Add($"{path}:Name is required");
            }
            else if (!names.TryAdd(key.Name, i))
            {
                errors.Add($"{path}:Name '{key.Name}' duplicates Auth:Keys:{names[key.Name]}:Name");
            }

            if (!ApiKeyHash.TryParse(key.Sha256, out _))
            {
                errors.Add($"{path}:Sha256 must be 64 hexadecimal characters (the SHA-256 of the key: printf %s \"$KEY\" | sha256sum)");
            }

            for (var j = 0; j < key.Apps.Count; j++)
            {
                if (key.Apps[j] != "*" && !AppIdFormat.IsValid(key.Apps[j]))
                {
                    errors.Add($"{path}:Apps:{j} '{key.Apps[j]}' must be an app id ({AppIdFormat.Expected}) or \"*\"");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
