namespace TokenCenter.Server.Engine;

/// <summary>What caused a refresh (shown in GetStatus as last_trigger).</summary>
internal enum RefreshTrigger
{
    /// <summary>First token of a key in this process (no valid token stored).</summary>
    Startup,

    /// <summary>The scheduler, ahead of expiry (or after the held token expired).</summary>
    Proactive,

    /// <summary>A caller's ForceRefresh with the current value.</summary>
    Forced,
}

internal static class RefreshTriggers
{
    public static string Name(this RefreshTrigger trigger) => trigger switch
    {
        RefreshTrigger.Startup => "startup",
        RefreshTrigger.Forced => "forced",
        _ => "proactive",
    };
}
