namespace TokenCenter.Server.Platform.Storage;

/// <summary>A component_verify_ticket as received: the value, WeChat's CreateTime and when it arrived. Never printed with its value.</summary>
public sealed record ComponentTicket(string Value, DateTimeOffset CreatedAt, DateTimeOffset ReceivedAt)
{
    /// <summary>How long WeChat accepts a ticket after it was pushed.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    /// <summary>Whether WeChat still accepts the ticket at <paramref name="now"/>.</summary>
    public bool IsValidAt(DateTimeOffset now) => now < ReceivedAt + Lifetime;

    public override string ToString() => $"ComponentTicket {{ CreatedAt = {CreatedAt:o}, ReceivedAt = {ReceivedAt:o} }}";
}

/// <summary>
/// The latest component_verify_ticket of each component, shared by all replicas (memory for one replica,
/// Redis <c>{p}:ticket:{component}</c> for several). The latest (by CreateTime) wins; a ticket lives 12 h.
/// </summary>
public interface IComponentTicketStore
{
    /// <summary>Stores <paramref name="ticket"/> unless a newer one (by CreateTime) is held. Returns whether it was stored.</summary>
    Task<bool> SetAsync(string componentAppId, ComponentTicket ticket, CancellationToken cancellationToken);

    /// <summary>The latest ticket still within its 12 h, or null.</summary>
    Task<ComponentTicket?> GetAsync(string componentAppId, CancellationToken cancellationToken);

    /// <summary>WeChat refused <paramref name="value"/> (61005 / 61006): forget it if it is still the held one.</summary>
    Task RejectAsync(string componentAppId, string value, CancellationToken cancellationToken);
}
