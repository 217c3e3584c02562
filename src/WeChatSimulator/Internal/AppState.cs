namespace WeChatSimulator.Internal;

/// <summary>Mutable per-app state; every member is read and written under <see cref="Gate"/>.</summary>
internal sealed class AppState(SimulatedApp app, SimulatorOptions options)
{
    public Lock Gate { get; } = new();

    public SimulatedApp App { get; set; } = app;

    /// <summary>The latest classic token (earlier ones are superseded and only live in the registry).</summary>
    public TokenRecord? Classic { get; set; }

    /// <summary>The latest stable token.</summary>
    public TokenRecord? Stable { get; set; }

    /// <summary>The stable token that <see cref="Stable"/> replaced in normal mode; it lives until its own expiry.</summary>
    public TokenRecord? PreviousStable { get; set; }

    public DateTimeOffset? LastForcedRefresh { get; set; }

    public QuotaCounter ClassicDaily { get; } = QuotaCounter.Daily(options.QuotaDayOffset);

    public QuotaCounter StableDaily { get; } = QuotaCounter.Daily(options.QuotaDayOffset);

    public QuotaCounter StableMinute { get; } = QuotaCounter.PerMinute();

    public QuotaCounter ForcedDaily { get; } = QuotaCounter.Daily(options.QuotaDayOffset);
}
