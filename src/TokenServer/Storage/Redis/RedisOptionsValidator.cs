using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>Validates <see cref="RedisOptions"/> at start; messages name the bad key, never a password.</summary>
internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsEnabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        CheckConfiguration(options.Configuration!, "Redis:Configuration", failures);
        for (var i = 0; i < options.LockEndpoints.Count; i++)
        {
            CheckConfiguration(options.LockEndpoints[i], $"Redis:LockEndpoints:{i}", failures);
        }

        if (string.IsNullOrWhiteSpace(options.KeyPrefix)
            || options.KeyPrefix.IndexOfAny(['{', '}', '|']) >= 0
            || options.KeyPrefix.Any(char.IsWhiteSpace))
        {
            failures.Add("Redis:KeyPrefix must be non-empty, without braces, '|' or whitespace.");
        }

        CheckPositive(options.EventsCheckInterval, "Redis:EventsCheckInterval", failures);
        if (options.EventsCheckBatch < 1)
        {
            failures.Add("Redis:EventsCheckBatch must be at least 1 (keys re-read per version check).");
        }

        CheckPositive(options.OperationTimeout, "Redis:OperationTimeout", failures);
        CheckPositive(options.LockRetryDelay, "Redis:LockRetryDelay", failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckConfiguration(string value, string key, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Add($"{key} is empty.");
            return;
        }

        try
        {
            if (ConfigurationOptions.Parse(value).EndPoints.Count == 0)
            {
                failures.Add($"{key} names no endpoint (expected host:port).");
            }
        }
        catch (ArgumentException ex)
        {
            // The parser's message names the bad keyword, not the value (which may hold a password).
            failures.Add($"{key} is not a valid StackExchange.Redis configuration string: {ex.Message}");
        }
    }

    private static void CheckPositive(TimeSpan value, string key, List<string> failures)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{key} must be positive.");
        }
    }
}
