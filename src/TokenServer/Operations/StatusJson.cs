using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf.WellKnownTypes;
using TokenCenter.Server.Engine;
using TokenCenter.V1;

namespace TokenCenter.Server.Operations;

/// <summary>
/// The operator view served at <c>/status.json</c>: a summary of every key by state, the dynamic keys (authorizers,
/// tickets) counted by kind and component, 24 hours of activity, and one page of keys (health and upstream usage).
/// Never a token value or a secret.
/// </summary>
internal static class StatusJson
{
    /// <summary>WeChat's daily quota of token endpoint calls per app (WECHAT_UPSTREAM.md).</summary>
    public const int WeChatDailyQuota = 2000;

    public static StatusDocument From(StatusPage page, StatusQuery query, IReadOnlyList<Observability.HourActivity> history, IReadOnlyList<ForcedRefreshRecord> forced) => new(
        page.Replica,
        page.Store,
        page.StoreReachable,
        page.Now,
        new SummaryDocument(
            page.Counts.Values.Sum(),
            Count(page, KeyHealth.Valid),
            Count(page, KeyHealth.Failing),
            Count(page, KeyHealth.Expiring),
            Count(page, KeyHealth.NoToken),
            Count(page, KeyHealth.NeedsReauthorization),
            page.BusiestApp,
            page.BusiestAppCallsToday,
            WeChatDailyQuota,
            page.ForcedRefreshesToday,
            history.Sum(h => h.LockFailures)),
        [.. page.DynamicKeyCounts.Select(c => new DynamicCountDocument(new Engine.TokenSlotKey(c.Kind, string.Empty, string.Empty).KindName, c.ComponentAppId, c.Valid, c.Invalid, c.NeedsReauthorization))],
        [.. history.Select(h => new HourDocument(h.Hour, h.Startup, h.Proactive, h.Forced, h.Failures, h.UpstreamErrors))],
        new PageDocument((query.Offset / query.Size) + 1, query.Size, page.Matching, Math.Max(1, (page.Matching + query.Size - 1) / query.Size)),
        [.. page.Keys.Select(Key)],
        [.. forced.Take(20).Select(f => new ForcedDocument(At(f.At), f.Caller, TokensHealthCheck.Name(f.Key), f.Outcome, f.Version))]);

    private static int Count(StatusPage page, KeyHealth health) => page.Counts.GetValueOrDefault(health);

    private static KeyDocument Key(KeyStatus k) => new(
        TokensHealthCheck.Name(k.Key),
        Engine.TokenSlotKey.FromProto(k.Key).KindName,
        k.Key.AppId,
        k.Key.ComponentAppId,
        k.Grant,
        k.HasValidToken,
        At(k.ExpiresAt),
        k.RemainingSeconds,
        k.Version,
        At(k.LastRefreshAt),
        k.LastTrigger,
        k.LastError is { } e && (e.Errcode != 0 || e.Errmsg.Length > 0) ? new ErrorDocument(e.Errcode, e.Errmsg, At(e.At)) : null,
        k.UpstreamCallsToday,
        k.ForcedRefreshBudgetLeft,
        k.State);

    private static DateTimeOffset? At(Timestamp? t) => t is null ? null : t.ToDateTimeOffset();

    internal sealed record StatusDocument(
        string Replica,
        string Store,
        bool StoreReachable,
        DateTimeOffset? Now,
        SummaryDocument Summary,
        IReadOnlyList<DynamicCountDocument> DynamicKeyCounts,
        IReadOnlyList<HourDocument> History,
        PageDocument Page,
        IReadOnlyList<KeyDocument> Keys,
        IReadOnlyList<ForcedDocument> RecentForcedRefreshes);

    internal sealed record ForcedDocument(DateTimeOffset? At, string Caller, string Key, string Outcome, long Version);

    internal sealed record SummaryDocument(
        int Keys,
        int Valid,
        int Failing,
        int Expiring,
        int WithoutToken,
        int NeedsReauthorization,
        string BusiestApp,
        int BusiestAppCallsToday,
        int WeChatDailyQuota,
        int ForcedRefreshesToday,
        int LockFailures24h);

    /// <summary>Dynamic keys of one kind and component: held with a valid token, without one, needing re-authorization.</summary>
    internal sealed record DynamicCountDocument(string Kind, string ComponentAppId, int Valid, int Invalid, int NeedsReauthorization);

    internal sealed record HourDocument(DateTimeOffset Hour, int Startup, int Proactive, int Forced, int Failures, int UpstreamErrors);

    internal sealed record PageDocument(int Number, int Size, int Matching, int Pages);

    internal sealed record KeyDocument(
        string Key,
        string Kind,
        string AppId,
        string ComponentAppId,
        string Grant,
        bool HasValidToken,
        DateTimeOffset? ExpiresAt,
        long RemainingSeconds,
        long Version,
        DateTimeOffset? LastRefreshAt,
        string LastTrigger,
        ErrorDocument? LastError,
        int UpstreamCallsToday,
        int ForcedRefreshBudgetLeft,
        string State);

    internal sealed record ErrorDocument(int Errcode, string Errmsg, DateTimeOffset? At);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusJson.StatusDocument))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
