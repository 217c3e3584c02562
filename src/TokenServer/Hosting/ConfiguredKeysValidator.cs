using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform;

namespace TokenCenter.Server.Hosting;

/// <summary>
/// Outside Development a server must manage at least one key: with no app and no component (a mistyped
/// environment variable, a missing secrets mount) it would start and report ready with nothing to serve.
/// </summary>
internal sealed class ConfiguredKeysValidator(IHostEnvironment environment, IOptions<PlatformOptions> platform) : IValidateOptions<TokenCenterOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenCenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (environment.IsDevelopment() || options.Apps.Count > 0 || platform.Value.Components.Count > 0)
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(
            $"no key is configured: {TokenCenterOptions.SectionName}:Apps and {TokenCenterOptions.SectionName}:Components are both empty "
            + $"(set {TokenCenterOptions.SectionName}:Apps:0:AppId and its Secret, or a component; environment '{environment.EnvironmentName}')");
    }
}
