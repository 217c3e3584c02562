using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Server.Engine;
using TokenServer.Tests.Support;

namespace TokenServer.Tests;

/// <summary>Regressions of ForceRefresh found by the benchmarks (compare-and-refresh against memory and store).</summary>
public sealed class ForceRefreshRegressionTests
{
    private static readonly TokenSlotKey KeyA = EngineHarness.KeyA;

    [Fact]
    public async Task A_forced_refresh_whose_caller_read_the_state_just_before_a_refresh_finished_does_not_start_a_second_one()
    {
        await using var h = EngineHarness.Create();
        var stale = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var slot = h.Slot(KeyA);

        // The caller has compared its value with the held token (still equal); a proactive refresh
        // finishes before it decides to start a refresh.
        h.Engine.AfterStaleCheck = async () =>
        {
            h.Engine.AfterStaleCheck = null;
            await h.Engine.RefreshAsync(slot);
        };
        var answer = await h.Engine.ForceRefreshAsync(KeyA, stale.Value, CancellationToken.None);

        Assert.Equal(2, h.Fake!.Calls); // the startup token and the proactive refresh, nothing more
        Assert.Equal("tok-2", answer.Value);
        Assert.Equal("tok-2", (await h.Engine.GetAsync(KeyA, CancellationToken.None)).Value);
    }

    [Fact]
    public async Task A_forced_refresh_reporting_a_value_newer_than_memory_answers_at_least_that_version_and_refreshes_it_once()
    {
        await using var h = EngineHarness.Create(services: s => s.AddSingleton<ITokenStore>(new DeafTokenStore(new InMemoryTokenStore())));
        var old = await h.Engine.GetAsync(KeyA, CancellationToken.None);

        // Another replica stored a newer token; the push to this one was lost.
        var now = h.Clock.GetUtcNow();
        var version = await h.Store.NextVersionAsync(KeyA, CancellationToken.None);
        var newer = new StoredToken("from-other-replica", now.AddHours(2), now, version);
        Assert.True(await h.Store.TryWriteAsync(KeyA, newer, CancellationToken.None));
        Assert.Equal(old.Version, h.Slot(KeyA).State!.Token.Version);

        // A caller got the newer token from the other replica and WeChat rejected it.
        var answer = await h.Engine.ForceRefreshAsync(KeyA, newer.Value, CancellationToken.None);

        Assert.True(answer.Version > newer.Version, $"answered version {answer.Version}, the rejected one was {newer.Version}");
        Assert.NotEqual(newer.Value, answer.Value);
        Assert.Equal(2, h.Fake!.Calls); // the startup token and one forced refresh
        Assert.Equal(answer.Value, (await h.Store.GetAsync(KeyA, CancellationToken.None))!.Value);
    }
}
