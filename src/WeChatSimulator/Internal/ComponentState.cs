namespace WeChatSimulator.Internal;

/// <summary>Mutable per-component state; every member (authorizers included) is used under <see cref="Gate"/>.</summary>
internal sealed class ComponentState(SimulatedComponent component, SimulatorOptions options)
{
    public Lock Gate { get; } = new();

    public SimulatedComponent Component { get; set; } = component;

    /// <summary>Every ticket pushed, with the instant it was pushed (a few hundred bytes a day; never evicted so that 61005 stays distinguishable from 61006).</summary>
    public Dictionary<string, DateTimeOffset> VerifyTickets { get; } = new(StringComparer.Ordinal);

    public string? LatestVerifyTicket { get; set; }

    /// <summary>The latest component_access_token (earlier ones only live in the registry).</summary>
    public TokenRecord? AccessToken { get; set; }

    public QuotaCounter TokenDaily { get; } = QuotaCounter.Daily(options.QuotaDayOffset);

    /// <summary>Unused pre_auth_codes and their expiry.</summary>
    public Dictionary<string, DateTimeOffset> PreAuthCodes { get; } = new(StringComparer.Ordinal);

    /// <summary>Authorization codes not yet redeemed by <c>api_query_auth</c>.</summary>
    public Dictionary<string, AuthorizationCode> AuthorizationCodes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, AuthorizerState> Authorizers { get; } = new(StringComparer.Ordinal);

    /// <summary>Drops pre_auth_codes past their expiry (they could never be used again).</summary>
    public void PruneExpiredPreAuthCodes(DateTimeOffset now)
    {
        foreach (var (code, expiresAt) in PreAuthCodes)
        {
            if (expiresAt <= now)
            {
                PreAuthCodes.Remove(code);
            }
        }
    }
}

/// <summary>An authorization code handed out with an <c>authorized</c> / <c>updateauthorized</c> event.</summary>
internal sealed record AuthorizationCode(string Code, string AuthorizerAppId, DateTimeOffset ExpiresAt);
