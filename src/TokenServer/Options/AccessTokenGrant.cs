namespace TokenCenter.Server.Options;

/// <summary>How an app's access_token is obtained.</summary>
public enum AccessTokenGrant
{
    /// <summary>POST /cgi-bin/stable_token (default): tokens survive other callers' normal-mode requests.</summary>
    Stable,

    /// <summary>GET /cgi-bin/token: every call issues a new token.</summary>
    Classic,
}

/// <summary>Parsing of <see cref="AppOptions.Grant"/>.</summary>
internal static class AccessTokenGrants
{
    public static bool TryParse(string? text, out AccessTokenGrant grant)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            grant = AccessTokenGrant.Stable;
            return true;
        }

        if (string.Equals(text.Trim(), "Stable", StringComparison.OrdinalIgnoreCase))
        {
            grant = AccessTokenGrant.Stable;
            return true;
        }

        if (string.Equals(text.Trim(), "Classic", StringComparison.OrdinalIgnoreCase))
        {
            grant = AccessTokenGrant.Classic;
            return true;
        }

        grant = default;
        return false;
    }

    /// <summary>"stable" or "classic", as shown in GetStatus.</summary>
    public static string Name(this AccessTokenGrant grant) => grant == AccessTokenGrant.Classic ? "classic" : "stable";
}
