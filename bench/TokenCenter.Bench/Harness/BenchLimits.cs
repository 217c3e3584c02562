namespace TokenCenter.Bench.Harness;

/// <summary>
/// Caller policies switched off for every server the bench starts: API-key auth (on by default outside
/// Development) and the per-caller rate and watch-stream limits (on by default everywhere). They are
/// policies for production callers; left on, a load generator measures their refusals (which h2load
/// cannot tell from answers: a refusal is a trailers-only HTTP 200).
/// </summary>
internal static class BenchLimits
{
    public static IReadOnlyList<KeyValuePair<string, string?>> Settings { get; } =
    [
        new("Auth:Enabled", "false"),
        new("Limits:RateLimiting", "false"),
        new("Limits:WatchStreamsPerCaller", "100000"),
    ];
}
