using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace TokenCenter.Testing;

/// <summary>
/// The one bounded wait of the tests: polls a condition in real time until it holds (background work triggered by a call
/// or a clock advance has settled), failing the test once the bound passes. Not a timing assertion: the bound only stops a
/// hung test, so it is generous.
/// </summary>
public static class Eventually
{
    /// <summary>
    /// The default bound of a wait: a minute, because 15–20 s bounds ran out on a 2-core machine at load 100+ while the
    /// awaited state arrived later (readiness after a Redis restart); a hung test still fails within the minute.
    /// </summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Task TrueAsync(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string what = "", Action? eachRound = null, TimeSpan? bound = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, eachRound, bound);

    /// <param name="condition">What must hold.</param>
    /// <param name="what">Said in the failure message ("timed out … waiting until {what}"); the condition's text unless given.</param>
    /// <param name="eachRound">Runs between polls (e.g. moves a fake clock a little so that backoffs on it elapse).</param>
    /// <param name="bound">How long before the test fails; <see cref="Bound"/> unless given.</param>
    public static async Task TrueAsync(Func<Task<bool>> condition, [CallerArgumentExpression(nameof(condition))] string what = "", Action? eachRound = null, TimeSpan? bound = null)
    {
        var limit = bound ?? Bound;
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > limit)
            {
                Assert.Fail($"timed out after {limit.TotalSeconds:0.#} s waiting until {what}");
            }

            eachRound?.Invoke();
            await Task.Delay(PollInterval);
        }
    }
}
