namespace TokenCenter.Server.Engine;

/// <summary>A forced refresh was refused by the forced-refresh budget (minimum interval or daily budget per key).</summary>
public sealed class ForcedRefreshBudgetExceededException : Exception
{
    public ForcedRefreshBudgetExceededException(TokenSlotKey key, TimeSpan retryAfter, string reason)
        : base($"forced refresh of {key} refused by the forced-refresh budget ({reason}); retry after {Seconds(retryAfter)} s")
    {
        Key = key;
        RetryAfter = retryAfter;
        Reason = reason;
    }

    public ForcedRefreshBudgetExceededException()
        : base("forced refresh refused by the forced-refresh budget")
    {
        Reason = string.Empty;
    }

    public ForcedRefreshBudgetExceededException(string message)
        : base(message)
    {
        Reason = message;
    }

    public ForcedRefreshBudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>The key whose refresh was refused.</summary>
    public TokenSlotKey Key { get; }

    /// <summary>When a forced refresh of the key will be allowed again.</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>"minimum interval" or "daily budget".</summary>
    public string Reason { get; }

    /// <summary>Whole seconds, rounded up (at least 1).</summary>
    public static long Seconds(TimeSpan delay) => Math.Max(1, (long)Math.Ceiling(delay.TotalSeconds));
}
