using TokenCenter.Bench.Harness;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Placeholder for the TokenClient library (another branch): once it is in main, this scenario measures
/// the client's cached GetToken against the raw GrpcChannel call. Until then it writes a "not available yet" row.
/// </summary>
internal sealed class TokenClientScenario : IScenario
{
    public string Name => "client";

    public string Title => "TokenClient library: cached token reads vs raw GetToken (when the library is in main)";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(30);

    public Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        var why = Capabilities.TokenClientUnavailableReason()
            ?? "TokenClient has landed in main: the cached-read scenario still has to be written against its API";
        results.Add(ResultRow.Skip(Name, "TokenClient cached GetToken calls/s", why));
        return Task.CompletedTask;
    }
}
