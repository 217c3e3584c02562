namespace TokenCenter.Server.Options;

/// <summary>Refresh scheduling and the forced-refresh budget (<c>TokenCenter:Refresh</c>).</summary>
public sealed class RefreshOptions
{
    /// <summary>
    /// Classic-grant tokens are refreshed when their remaining lifetime falls below <c>Ahead</c> plus a
    /// random share of <see cref="Jitter"/>. Default 10 minutes.
    /// </summary>
    public TimeSpan Ahead { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Upper bound of the random extra added to <see cref="Ahead"/>, so keys and replicas never align. Default 2 minutes.</summary>
    public TimeSpan Jitter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Stable-grant tokens are refreshed when their remaining lifetime falls below <c>StableAhead</c> plus a
    /// random share of <see cref="StableJitter"/>; the sum must stay inside WeChat's last-5-minutes
    /// window, where a normal-mode call returns a new token. Default 3 minutes.
    /// </summary>
    public TimeSpan StableAhead { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Jitter for stable-grant tokens. Default 1 minute (refresh 3 to 4 minutes before expiry).</summary>
    public TimeSpan StableJitter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Minimum time from the end of one forced upstream call of a key to the start of the next. Default
    /// 35 seconds: a margin over WeChat's 30 s between two stable_token force calls. A forced request
    /// from the WeChat-compatible endpoint within this time after the current token was obtained or
    /// confirmed by WeChat is answered with it (docs/sdk-compat.md).
    /// </summary>
    public TimeSpan ForcedMinInterval { get; set; } = TimeSpan.FromSeconds(35);

    /// <summary>
    /// Forced upstream calls allowed per key per day, counted like WeChat (days start at midnight UTC+8).
    /// Default 15: a margin under WeChat's 20 stable_token force calls a day.
    /// </summary>
    public int ForcedDailyBudget { get; set; } = 15;

    /// <summary>
    /// Lease of the distributed refresh lock, extended every half lease while the refresh runs (so a
    /// holder that dies releases it within one lease). At least twice <c>Upstream:Timeout</c>. Default 15 seconds.
    /// </summary>
    public TimeSpan LockLease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a refresh waits for the distributed lock before re-reading the store; at least
    /// <see cref="LockLease"/>, so that waiters outlast a dead holder's lease. Default 20 seconds.
    /// </summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>First delay before a failed refresh is tried again (doubles per failure). Default 5 seconds.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest delay between attempts of a failing refresh. Default 5 minutes.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);
}
