using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Upstream;
using TokenServer.Tests.Support;

namespace TokenServer.Tests;

/// <summary>Forced refreshes against WeChat's limits: what the forced-refresh budget refuses, when usage is counted, what a failed force costs.</summary>
public sealed class ForcedRefreshLimitsTests
{
    private static readonly TokenSlotKey KeyA = EngineHarness.KeyA;

    [Fact]
    public async Task A_quota_refusal_of_a_forced_refresh_still_gives_joined_GetToken_callers_and_the_scheduler_a_new_token_when_the_held_one_expired()
    {
        var quota = new GatedBudgetStore();
        await using var h = EngineHarness.Create(
            configure: s => s["TokenCenter:Refresh:ForcedDailyBudget"] = "1",
            services: s => s.AddSingleton<IForcedRefreshBudgetStore>(quota));
        var first = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var used = await h.Engine.ForceRefreshAsync(KeyA, first.Value, CancellationToken.None); // the day's budget
        h.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));

        quota.Arm();
        var forced = h.Engine.ForceRefreshAsync(KeyA, used.Value, CancellationToken.None);
        await quota.Reached;
        var get = h.Engine.GetAsync(KeyA, CancellationToken.None).AsTask();
        var scheduler = h.Engine.RefreshAsync(h.Slot(KeyA));
        quota.Release();

        var token = await get;
        Assert.Equal("tok-3", token.Value);
        Assert.Equal("tok-3", (await scheduler).Token.Value);
        Assert.Equal("tok-3", (await forced).Value); // the plain refresh replaced the rejected value too
        Assert.Equal(3, h.Fake!.Calls);
    }

    [Fact]
    public async Task A_quota_refusal_with_a_fresh_held_token_refuses_only_the_forcing_caller()
    {
        var quota = new GatedBudgetStore();
        await using var h = EngineHarness.Create(services: s => s.AddSingleton<IForcedRefreshBudgetStore>(quota));
        var first = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var held = await h.Engine.ForceRefreshAsync(KeyA, first.Value, CancellationToken.None);
        h.Clock.Advance(TimeSpan.FromSeconds(5)); // inside the minimum interval

        quota.Arm();
        var forced = h.Engine.ForceRefreshAsync(KeyA, held.Value, CancellationToken.None);
        await quota.Reached;
        var scheduler = h.Engine.RefreshAsync(h.Slot(KeyA));
        quota.Release();

        var refused = await Assert.ThrowsAsync<ForcedRefreshBudgetExceededException>(() => forced);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.RetryAfter); // default interval of 35 s, 5 s gone
        Assert.Equal(held.Value, (await scheduler).Token.Value);
        Assert.Equal(held.Value, (await h.Engine.GetAsync(KeyA, CancellationToken.None)).Value);
        Assert.Equal(2, h.Fake!.Calls);
    }

    [Fact]
    public async Task A_stable_force_whose_answer_was_lost_is_not_repeated_and_normal_mode_answers_the_token_it_issued()
    {
        await using var h = EngineHarness.Create(grantA: "Stable");
        var stale = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var current = stale.Value;
        h.Fake!.Override = (_, force) =>
        {
            if (force)
            {
                current = "issued-by-the-lost-force"; // WeChat applied it: the stale value is dead
                return UpstreamTokenResult.NoAnswer("no answer within 00:00:05");
            }

            return UpstreamTokenResult.Success(current, TimeSpan.FromMinutes(100));
        };

        var fresh = await h.Engine.ForceRefreshAsync(KeyA, stale.Value, CancellationToken.None);

        Assert.Equal("issued-by-the-lost-force", fresh.Value);
        Assert.Equal([false, false, true, false], h.Fake.CallLog.Select(c => c.Force)); // no answer: never sent again
    }

    [Fact]
    public async Task The_minimum_interval_runs_from_the_end_of_a_forced_call_so_WeChat_never_sees_two_forces_closer_than_30_s()
    {
        await using var h = EngineHarness.Create(grantA: "Stable");
        var token = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var current = token.Value;
        var forcedAt = new List<DateTimeOffset>();
        var slowNormalMode = true;
        h.Fake!.Override = (_, force) =>
        {
            if (force)
            {
                forcedAt.Add(h.Clock.GetUtcNow());
                current = $"forced-{forcedAt.Count}";
            }
            else if (slowNormalMode)
            {
                slowNormalMode = false;
                h.Clock.Advance(TimeSpan.FromSeconds(20)); // the normal-mode call before the force takes 20 s
            }

            return UpstreamTokenResult.Success(current, TimeSpan.FromHours(2));
        };

        token = await h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None);
        h.Clock.Advance(TimeSpan.FromSeconds(20));
        var refused = await Assert.ThrowsAsync<ForcedRefreshBudgetExceededException>(() => h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None));
        h.Clock.Advance(refused.RetryAfter);
        token = await h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(15), refused.RetryAfter);
        Assert.Equal("forced-2", token.Value);
        Assert.Equal(2, forcedAt.Count);
        Assert.True(forcedAt[1] - forcedAt[0] >= TimeSpan.FromSeconds(35), $"forces {forcedAt[1] - forcedAt[0]} apart");
    }

    [Fact]
    public async Task A_system_busy_answer_to_a_force_costs_no_budget_and_a_force_without_an_answer_does()
    {
        await using var h = EngineHarness.Create(grantA: "Stable", configure: s => s["TokenCenter:Refresh:ForcedDailyBudget"] = "2");
        var token = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var current = token.Value;
        var busy1 = UpstreamTokenResult.Failure(-1, "system error rid: 1-2-3");
        var forceAnswers = new Queue<UpstreamTokenResult>([busy1, busy1]); // busy, and busy again when sent once more
        h.Fake!.Override = (_, force) =>
        {
            if (force && forceAnswers.TryDequeue(out var answer))
            {
                return answer;
            }

            if (force)
            {
                current = $"forced-{h.Fake.CallLog.Count}";
            }

            return UpstreamTokenResult.Success(current, TimeSpan.FromHours(2));
        };

        var busy = await Assert.ThrowsAsync<UpstreamUnavailableException>(() => h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None));
        Assert.Equal(-1, busy.ErrCode);
        Assert.Equal([false, false, true, false, true], h.Fake.CallLog.Select(c => c.Force)); // sent once more only after normal mode showed nothing applied
        Assert.Equal(2, (await h.Engine.GetStatusAsync(CancellationToken.None)).Keys.Single().ForcedRefreshBudgetLeft);

        h.Clock.Advance(TimeSpan.FromSeconds(36));
        token = await h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None);
        Assert.StartsWith("forced-", token.Value, StringComparison.Ordinal);

        h.Clock.Advance(TimeSpan.FromSeconds(36));
        forceAnswers.Enqueue(UpstreamTokenResult.NoAnswer("no answer within 00:00:05"));
        await Assert.ThrowsAsync<UpstreamUnavailableException>(() => h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None));
        Assert.Equal(0, (await h.Engine.GetStatusAsync(CancellationToken.None)).Keys.Single().ForcedRefreshBudgetLeft);

        h.Clock.Advance(TimeSpan.FromSeconds(36));
        var refused = await Assert.ThrowsAsync<ForcedRefreshBudgetExceededException>(() => h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None));
        Assert.Contains("daily budget of 2", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The in-memory quota store, with a gate that holds the next record until released.</summary>
    private sealed class GatedBudgetStore : IForcedRefreshBudgetStore
    {
        private readonly InMemoryForcedRefreshBudgetStore _inner = new();
        private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task Reached => _reached.Task;

        public void Arm()
        {
            _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _armed, 1);
        }

        public void Release() => _release.TrySetResult();

        public Task<ForcedRefreshUsage> GetAsync(TokenSlotKey key, DateTimeOffset now, CancellationToken cancellationToken) =>
            _inner.GetAsync(key, now, cancellationToken);

        public async Task<bool> TryRecordAsync(TokenSlotKey key, DateTimeOffset now, TimeSpan minInterval, int dailyBudget, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _reached.TrySetResult();
                await _release.Task.WaitAsync(cancellationToken);
            }

            return await _inner.TryRecordAsync(key, now, minInterval, dailyBudget, cancellationToken);
        }

        public Task SettleAsync(TokenSlotKey key, DateTimeOffset recordedAt, DateTimeOffset endedAt, bool refund, CancellationToken cancellationToken) =>
            _inner.SettleAsync(key, recordedAt, endedAt, refund, cancellationToken);
    }
}
