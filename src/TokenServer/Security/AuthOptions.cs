namespace TokenCenter.Server.Security;

/// <summary>
/// Caller authentication (section <c>Auth</c>). Callers send <c>authorization: Bearer &lt;key&gt;</c>;
/// configuration holds only the SHA-256 of each key (<c>printf %s "$KEY" | sha256sum</c>).
/// </summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Auth";

    /// <summary>Whether callers must present an API key. Default: true, except in Development.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The API keys. Required (at least one) when <see cref="Enabled"/>.</summary>
    public List<ApiKeyOptions> Keys { get; set; } = [];
}

/// <summary>One API key (<c>Auth:Keys:N</c>).</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Name of the caller (used in logs, rate limiting partitions and metrics). Required, unique.</summary>
    public string? Name { get; set; }

    /// <summary>SHA-256 of the key as 64 hexadecimal characters. Required.</summary>
    public string? Sha256 { get; set; }

    /// <summary>App ids this key may read tokens of; "*" for every app. Default: none.</summary>
    public List<string> Apps { get; set; } = [];

    /// <summary>Whether this key may call ForceRefresh (for its apps). Default false.</summary>
    public bool CanForceRefresh { get; set; }

    /// <summary>Whether this key may read operator data: GetStatus, /status.json, the status page, /metrics. Default false.</summary>
    public bool Operator { get; set; }
}
