namespace TokenCenter.Server.Security;

/// <summary>Abuse limits (section <c>Limits</c>). Rejections on the gRPC listener are RESOURCE_EXHAUSTED.</summary>
public sealed class LimitsOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Limits";

    /// <summary>Whether per-caller rate limiting is on. Default true.</summary>
    public bool RateLimiting { get; set; } = true;

    /// <summary>gRPC calls one caller (API key, or remote IP without one) may make per <see cref="RpcWindow"/>. Default 200.</summary>
    public int RpcPermitLimit { get; set; } = 200;

    /// <summary>Window of <see cref="RpcPermitLimit"/>. Default 1 second.</summary>
    public TimeSpan RpcWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>ForceRefresh calls one caller may make per <see cref="ForceRefreshWindow"/> (on top of the engine's forced-refresh budget). Default 20.</summary>
    public int ForceRefreshPermitLimit { get; set; } = 20;

    /// <summary>Window of <see cref="ForceRefreshPermitLimit"/>. Default 1 minute.</summary>
    public TimeSpan ForceRefreshWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Open WatchTokens streams one caller may hold. Default 16.</summary>
    public int WatchStreamsPerCaller { get; set; } = 16;

    /// <summary>Concurrent HTTP/2 streams per connection (Kestrel Http2.MaxStreamsPerConnection). Default 100.</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;
}
