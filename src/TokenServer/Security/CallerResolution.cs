using System.Text;

namespace TokenCenter.Server.Security;

/// <summary>What authentication concluded about a request (stored in <see cref="HttpContext.Items"/>).</summary>
internal enum Credential
{
    /// <summary>No authorization header.</summary>
    Missing,

    /// <summary>A header that is malformed or names no configured key.</summary>
    Unknown,

    /// <summary>A configured key.</summary>
    Valid,
}

/// <summary>
/// Reads <c>authorization: Bearer &lt;key&gt;</c> (or HTTP Basic with the key as password, for browsers)
/// once per request and remembers the caller, so the rate limiter, the gRPC guard and the operator
/// endpoints agree on who is calling. Never logs or echoes the key.
/// </summary>
internal static class CallerResolution
{
    private static readonly object ItemKey = new();

    public static (Credential Credential, ApiCaller? Caller) Resolve(HttpContext http, ApiKeyRegistry registry)
    {
        if (http.Items.TryGetValue(ItemKey, out var cached) && cached is Tuple<Credential, ApiCaller?> t)
        {
            return (t.Item1, t.Item2);
        }

        var result = Compute(http, registry);
        http.Items[ItemKey] = Tuple.Create(result.Credential, result.Caller);
        return result;
    }

    /// <summary>The rate-limiting partition of the request: the key's name, or the remote address.</summary>
    public static string Partition(HttpContext http, ApiKeyRegistry registry)
    {
        var (credential, caller) = Resolve(http, registry);
        return credential == Credential.Valid && registry.Enabled
            ? "key:" + caller!.Name
            : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    private static (Credential Credential, ApiCaller? Caller) Compute(HttpContext http, ApiKeyRegistry registry)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return (Credential.Missing, null);
        }

        var key = KeyOf(header);
        var caller = key is null ? null : registry.Find(key);
        return caller is null ? (Credential.Unknown, null) : (Credential.Valid, caller);
    }

    private static string? KeyOf(string header)
    {
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var key = header[7..].Trim();
            return key.Length > 0 ? key : null;
        }

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                var key = colon >= 0 ? decoded[(colon + 1)..] : decoded;
                return key.Length > 0 ? key : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }
}
