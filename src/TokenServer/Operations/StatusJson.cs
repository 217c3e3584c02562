using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf.WellKnownTypes;
using TokenCenter.V1;

namespace TokenCenter.Server.Operations;

/// <summary>
/// The operator view of <see cref="StatusReply"/> served at <c>/status.json</c>: every key's health
/// and upstream usage. Built from GetStatus, which never carries a token value or a secret.
/// </summary>
internal static class StatusJson
{
    public static StatusDocument From(StatusReply reply) => new(
        reply.Replica,
        reply.Store,
        reply.StoreReachable,
        At(reply.Now),
        [.. reply.Keys.Select(k => new KeyDocument(
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
            k.ForcedRefreshBudgetLeft))]);

    private static DateTimeOffset? At(Timestamp? t) => t is null ? null : t.ToDateTimeOffset();

    internal sealed record StatusDocument(string Replica, string Store, bool StoreReachable, DateTimeOffset? Now, IReadOnlyList<KeyDocument> Keys);

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
        int ForcedRefreshBudgetLeft);

    internal sealed record ErrorDocument(int Errcode, string Errmsg, DateTimeOffset? At);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusJson.StatusDocument))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
