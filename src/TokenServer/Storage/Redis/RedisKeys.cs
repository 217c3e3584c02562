using System.Globalization;
using StackExchange.Redis;
using TokenCenter.Server.Engine;
using TokenCenter.V1;

namespace TokenCenter.Server.Storage.Redis;

/// <summary>
/// The Redis key layout (see readme.md). Every key of one token slot carries the hash tag
/// <c>{kind:component:app}</c>, so the Lua scripts touching several of them also run on Redis Cluster:
/// <code>
/// {p}:tok:{kind:component:app}    hash: value, expires_at, obtained_at (unix ms), version
/// {p}:ver:{kind:component:app}    fencing version source (INCR, kept ≥ the stored version)
/// {p}:lock:{kind:component:app}   Redlock lease (random value, PX lease)
/// {p}:quota:{kind:component:app}  forced-refresh quota: day, count, last (unix ms)
/// {p}:health                      readiness write probe (30 s TTL)
/// {p}:health:{n}                  Redis Cluster: one readiness write probe per master (n: a tag hashing into its slots)
/// {p}:events                      pub/sub channel, messages "kind:component:app|version"
/// </code>
/// </summary>
internal sealed class RedisKeys
{
    private static readonly Dictionary<string, TokenKind> KindsByName = Enum.GetValues<TokenKind>()
        .Where(kind => kind != TokenKind.Unspecified)
        .ToDictionary(kind => new TokenSlotKey(kind, string.Empty, string.Empty).KindName, StringComparer.Ordinal);

    private readonly string _prefix;

    public RedisKeys(string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        _prefix = prefix;
        Events = new RedisChannel(prefix + ":events", RedisChannel.PatternMode.Literal);
    }

    /// <summary>The pub/sub channel announcing new tokens.</summary>
    public RedisChannel Events { get; }

    /// <summary>The readiness write probe (string, 30 s TTL).</summary>
    public RedisKey Health => _prefix + ":health";

    /// <summary>Candidate <paramref name="tag"/> of a per-master readiness probe on a Redis Cluster (see <see cref="RedisWriteProbes"/>).</summary>
    public RedisKey HealthProbe(int tag) => $"{_prefix}:health:{{{tag.ToString(CultureInfo.InvariantCulture)}}}";

    public RedisKey Token(TokenSlotKey key) => Key("tok", key);

    public RedisKey Version(TokenSlotKey key) => Key("ver", key);

    public RedisKey Lock(TokenSlotKey key) => Key("lock", key);

    /// <summary>The forced-refresh quota of a key: hash of day, count, last (unix ms).</summary>
    public RedisKey ForcedRefreshBudget(TokenSlotKey key) => Key("quota", key);

    /// <summary>The event message announcing <paramref name="version"/> of <paramref name="key"/>.</summary>
    public static string EventMessage(TokenSlotKey key, long version) =>
        Slot(key) + "|" + version.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses an event message; false for anything malformed (ignored, never thrown).</summary>
    public static bool TryParseEvent(string? message, out TokenSlotKey key, out long version)
    {
        key = default;
        version = 0;
        var bar = message?.LastIndexOf('|') ?? -1;
        if (bar <= 0
            || !long.TryParse(message.AsSpan(bar + 1), NumberStyles.None, CultureInfo.InvariantCulture, out version))
        {
            return false;
        }

        var parts = message![..bar].Split(':');
        if (parts.Length != 3 || !KindsByName.TryGetValue(parts[0], out var kind))
        {
            return false;
        }

        key = new TokenSlotKey(kind, parts[1], parts[2]);
        return true;
    }

    private RedisKey Key(string type, TokenSlotKey key) => $"{_prefix}:{type}:{{{Slot(key)}}}";

    private static string Slot(TokenSlotKey key)
    {
        Check(key.ComponentAppId, nameof(key.ComponentAppId));
        Check(key.AppId, nameof(key.AppId));
        return key.ToString();
    }

    // Braces would move the hash tag; ':' and '|' would make event messages ambiguous.
    private static void Check(string? part, string name)
    {
        if (part is null || part.AsSpan().IndexOfAny("{}:|") >= 0)
        {
            throw new ArgumentException($"The token key's {name} must not contain '{{', '}}', ':' or '|'.", name);
        }
    }
}
