namespace TokenCenter.Server.Options;

/// <summary>
/// Configuration of the token engine, bound from the <c>TokenCenter</c> section. Validated at start by
/// <see cref="TokenCenterOptionsValidator"/>; every error message names the offending key.
/// </summary>
public sealed class TokenCenterOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "TokenCenter";

    /// <summary>The WeChat apps whose access_token the center manages. Default: none.</summary>
    public List<AppOptions> Apps { get; set; } = [];

    /// <summary>When and how often tokens are refreshed.</summary>
    public RefreshOptions Refresh { get; set; } = new();

    /// <summary>How WeChat's token endpoints are called.</summary>
    public UpstreamOptions Upstream { get; set; } = new();
}
