namespace TokenCenter.Bench.Harness;

/// <summary>One benchmark scenario. It reports rows; it never asserts.</summary>
internal interface IScenario
{
    /// <summary>Short id used by <c>--only</c> and in the report.</summary>
    string Name { get; }

    /// <summary>What it measures, one line (goes into the report).</summary>
    string Title { get; }

    /// <summary>Hard time cap; past it the scenario is cancelled and a row says so.</summary>
    TimeSpan Cap(BenchContext context);

    /// <summary>Runs and adds rows to <paramref name="results"/> as they are measured.</summary>
    Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken);
}
