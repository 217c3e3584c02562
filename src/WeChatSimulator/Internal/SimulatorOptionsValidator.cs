using Microsoft.Extensions.Options;

namespace WeChatSimulator.Internal;

/// <summary>Start-time validation of <see cref="SimulatorOptions"/> with a message naming the bad key.</summary>
internal sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
