using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace TokenCenter.Server.Storage.Redis.Platform;

/// <summary>
/// Key layout of the third-party platform state (see ../readme.md). The component id is the hash tag of
/// everything per component, so a record and its component's index go through one Lua script on a cluster:
/// <code>
/// {p}:ticket:{component}            hash: value, created_at, received_at (unix ms); 12 h TTL
/// {p}:auth:{component}:{app}        hash: refresh (AES-GCM ciphertext "v1:keyId:…"), key_id, authorized_at, reauth (0/1)
/// {p}:authidx:{component}           sorted set, all scores 0: authorizer app ids in lexical order (paging)
/// {p}:due:{component}              sorted set: app → next refresh (unix ms); claims move the score
/// {p}:nonce:{component}:{sha256}    callback nonce + signature seen (SET NX PX, twice the replay window)
/// {p}:authevents                    pub/sub: "added|component|app", "removed|component|app"
/// </code>
/// </summary>
internal sealed class RedisPlatformKeys(string prefix)
{
    public RedisChannel AuthorizerEvents { get; } = new(prefix + ":authevents", RedisChannel.PatternMode.Literal);

    public RedisKey Due(string componentAppId) => $"{prefix}:due:{{{Check(componentAppId)}}}";

    public RedisKey Ticket(string componentAppId) => $"{prefix}:ticket:{{{Check(componentAppId)}}}";

    public RedisKey Authorizer(string componentAppId, string appId) => $"{prefix}:auth:{{{Check(componentAppId)}}}:{Check(appId)}";

    public RedisKey AuthorizerIndex(string componentAppId) => $"{prefix}:authidx:{{{Check(componentAppId)}}}";

    public RedisKey Nonce(string componentAppId, string nonce, string signature) =>
        $"{prefix}:nonce:{{{Check(componentAppId)}}}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(nonce + "|" + signature)))}";

    public static string DueMember(string componentAppId, string appId) => Check(componentAppId) + "|" + Check(appId);

    public static bool TryParseMember(string? member, out string componentAppId, out string appId)
    {
        componentAppId = appId = string.Empty;
        var bar = member?.IndexOf('|') ?? -1;
        if (bar <= 0 || bar == member!.Length - 1)
        {
            return false;
        }

        componentAppId = member[..bar];
        appId = member[(bar + 1)..];
        return appId.IndexOf('|', StringComparison.Ordinal) < 0;
    }

    // Braces would move the hash tag; ':' and '|' would make keys, members and messages ambiguous.
    private static string Check(string id)
    {
        if (string.IsNullOrEmpty(id) || id.AsSpan().IndexOfAny("{}:|") >= 0)
        {
            throw new ArgumentException("An app id must be non-empty and must not contain '{', '}', ':' or '|'.", nameof(id));
        }

        return id;
    }
}
