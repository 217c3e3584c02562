using Microsoft.Extensions.Options;

namespace TokenCenter.Server.Options;

/// <summary>Validates <see cref="TokenCenterOptions"/> at start; each failure names its configuration key.</summary>
internal sealed class TokenCenterOptionsValidator : IValidateOptions<TokenCenterOptions>
{
    private const string Root = TokenCenterOptions.SectionName;
    private static readonly TimeSpan StableWindow = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, TokenCenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidateApps(options.Apps, errors);
        ValidateRefresh(options.Refresh, errors);
        ValidateUpstream(options.Upstream, errors);
        ValidateLease(options.Refresh, options.Upstream, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateApps(List<AppOptions>? apps, List<string> errors)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (apps?.Count ?? 0); i++)
        {
            var app = apps![i];
            var path = $"{Root}:Apps:{i}";
            if (app is null)
            {
                errors.Add($"{path} is empty");
                continue;
            }

            if (string.IsNullOrWhiteSpace(app.AppId))
            {
                errors.Add($"{path}:AppId is required");
            }
            else if (!AppIdFormat.IsValid(app.AppId))
            {
                errors.Add($"{path}:AppId '{app.AppId}' is malformed: {AppIdFormat.Expected}");
            }
            else if (seen.TryGetValue(app.AppId, out var first))
            {
                errors.Add($"{path}:AppId '{app.AppId}' duplicates {Root}:Apps:{first}:AppId");
            }
            else
            {
                seen.Add(app.AppId, i);
            }

            if (SecretReader.TryRead(app, path, out var problem) is null)
            {
                errors.Add(problem!);
            }

            if (!AccessTokenGrants.TryParse(app.Grant, out _))
            {
                errors.Add($"{path}:Grant '{app.Grant}' is unknown: expected Stable or Classic");
            }
        }
    }

    private static void ValidateRefresh(RefreshOptions? r, List<string> errors)
    {
        const string path = $"{Root}:Refresh";
        if (r is null)
        {
            return;
        }

        Positive(r.Ahead, $"{path}:Ahead", errors);
        NotNegative(r.Jitter, $"{path}:Jitter", errors);
        if (r.Ahead + r.Jitter >= TimeSpan.FromHours(1))
        {
            errors.Add($"{path}:Ahead plus {path}:Jitter must be under 1 hour (was {r.Ahead + r.Jitter})");
        }

        Positive(r.StableAhead, $"{path}:StableAhead", errors);
        NotNegative(r.StableJitter, $"{path}:StableJitter", errors);
        if (r.StableAhead + r.StableJitter >= StableWindow)
        {
            errors.Add($"{path}:StableAhead plus {path}:StableJitter must be under 5 minutes (WeChat rotates a stable token only in its last 5 minutes; was {r.StableAhead + r.StableJitter})");
        }

        NotNegative(r.ForcedMinInterval, $"{path}:ForcedMinInterval", errors);
        if (r.ForcedDailyBudget < 0)
        {
            errors.Add($"{path}:ForcedDailyBudget must not be negative (was {r.ForcedDailyBudget})");
        }

        Positive(r.LockLease, $"{path}:LockLease", errors);
        NotNegative(r.LockWait, $"{path}:LockWait", errors);
        Positive(r.RetryDelay, $"{path}:RetryDelay", errors);
        if (r.RetryMaxDelay < r.RetryDelay)
        {
            errors.Add($"{path}:RetryMaxDelay must be at least {path}:RetryDelay (was {r.RetryMaxDelay})");
        }
    }

    /// <summary>
    /// The refresh lock's lease against the upstream budget. The lock extends a held lease every half
    /// lease, so a held lease always has at least half of it left: that half must cover one whole
    /// upstream attempt (Upstream:Timeout), so that no attempt started under the lease outlives it even
    /// if the next extension fails. A refresh waiting for the lock must outwait a dead holder's lease.
    /// </summary>
    private static void ValidateLease(RefreshOptions? r, UpstreamOptions? u, List<string> errors)
    {
        if (r is null || u is null || r.LockLease <= TimeSpan.Zero || u.Timeout <= TimeSpan.Zero)
        {
            return;
        }

        if (r.LockLease < 2 * u.Timeout)
        {
            errors.Add($"{Root}:Refresh:LockLease must be at least twice {Root}:Upstream:Timeout (the lease is extended every half lease, and half a lease must cover one upstream attempt; a lease need not cover the whole retry budget, since a holder that loses it is cancelled before its next attempt and writes nothing, and a short lease lets survivors take over a dead holder's lock sooner: see docs/redis.md; was {r.LockLease} against {u.Timeout})");
        }

        if (r.LockWait < r.LockLease)
        {
            errors.Add($"{Root}:Refresh:LockWait must be at least {Root}:Refresh:LockLease (a refresh waiting for the lock must outwait the lease of a holder that died; was {r.LockWait} against {r.LockLease})");
        }
    }

    private static void ValidateUpstream(UpstreamOptions? u, List<string> errors)
    {
        const string path = $"{Root}:Upstream";
        if (u is null)
        {
            return;
        }

        if (u.BaseUrl is null || !u.BaseUrl.IsAbsoluteUri || (u.BaseUrl.Scheme != Uri.UriSchemeHttp && u.BaseUrl.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{path}:BaseUrl must be an absolute http or https URL (was '{u.BaseUrl}')");
        }
        else if (!string.IsNullOrEmpty(u.BaseUrl.Query) || !string.IsNullOrEmpty(u.BaseUrl.UserInfo))
        {
            errors.Add($"{path}:BaseUrl must not carry a query or user info");
        }

        Positive(u.Timeout, $"{path}:Timeout", errors);
        if (u.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{path}:MaxRetries must be between 0 and 10 (was {u.MaxRetries})");
        }

        NotNegative(u.RetryBaseDelay, $"{path}:RetryBaseDelay", errors);
        if (u.RetryBaseDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{path}:RetryBaseDelay must be at most 1 minute (was {u.RetryBaseDelay})");
        }
    }

    private static void Positive(TimeSpan value, string key, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be a positive duration (was {value})");
        }
    }

    private static void NotNegative(TimeSpan value, string key, List<string> errors)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{key} must not be negative (was {value})");
        }
    }
}
