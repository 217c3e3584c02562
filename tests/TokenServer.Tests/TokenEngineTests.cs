using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Upstream;
using TokenServer.Tests.Support;

namespace TokenServer.Tests;

public sealed class TokenEngineTests
{
    private static readonly TokenSlotKey KeyA = EngineHarness.KeyA;

    [Fact]
    public async Task A_held_valid_token_is_served_from_memory_as_the_same_message_without_calling_WeChat()
    {
        await using var h = EngineHarness.Create();
        var first = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var second = h.Engine.GetAsync(KeyA, CancellationToken.None);

        Assert.True(second.IsCompletedSuccessfully);
        Assert.Same(first, await second);
        Assert.Equal(1, h.Fake!.Calls);
        Assert.Equal("tok-1", first.Value);
        Assert.Equal(1, first.Version);
    }

    [Fact]
    public async Task Concurrent_first_requests_share_one_upstream_call()
    {
        await using var h = EngineHarness.Create();
        var gate = new TaskCompletionSource();
        h.Fake!.Gate = gate.Task;
        var calls = Enumerable.Range(0, 200).Select(_ => h.Engine.GetAsync(KeyA, CancellationToken.None).AsTask()).ToArray();
        await Eventually.TrueAsync(() => h.Fake.Calls == 1, "the upstream call started");
        gate.SetResult();
        var tokens = await Task.WhenAll(calls);

        Assert.Equal(1, h.Fake.Calls);
        Assert.All(tokens, t => Assert.Equal("tok-1", t.Value));
    }

    [Fact]
    public async Task Startup_with_a_valid_stored_token_makes_no_upstream_call()
    {
        await using var h = EngineHarness.Create();
        var now = h.Clock.GetUtcNow();
        await h.Store.TryWriteAsync(KeyA, new StoredToken("stored-token", now.AddHours(1), now.AddHours(-1), 41), CancellationToken.None);

        await h.StartRefresherAsync();
        await h.WaitScheduledAsync(KeyA, 41);
        var token = await h.Engine.GetAsync(KeyA, CancellationToken.None);

        Assert.Equal("stored-token", token.Value);
        Assert.Equal(41, token.Version);
        Assert.Equal(0, h.Fake!.Calls);
    }

    [Fact]
    public async Task Startup_without_a_stored_token_fetches_once_with_the_startup_trigger()
    {
        await using var h = EngineHarness.Create();
        await h.StartRefresherAsync();
        await h.WaitScheduledAsync(KeyA);

        var status = (await h.Engine.GetStatusAsync(CancellationToken.None)).Keys.Single();
        Assert.Equal(1, h.Fake!.Calls);
        Assert.Equal("startup", status.LastTrigger);
        Assert.True(status.HasValidToken);
        Assert.Equal("classic", status.Grant);
    }

    [Fact]
    public async Task Force_refresh_with_a_value_that_is_no_longer_current_returns_the_current_token_without_calling_WeChat()
    {
        await using var h = EngineHarness.Create();
        var current = await h.Engine.GetAsync(KeyA, CancellationToken.None);

        var answer = await h.Engine.ForceRefreshAsync(KeyA, "some-old-token", CancellationToken.None);

        Assert.Same(current, answer);
        Assert.Equal(1, h.Fake!.Calls);
    }

    [Fact]
    public async Task Two_hundred_concurrent_force_refreshes_of_the_current_value_make_exactly_one_upstream_call()
    {
        await using var h = EngineHarness.Create();
        var stale = (await h.Engine.GetAsync(KeyA, CancellationToken.None)).Value;
        var gate = new TaskCompletionSource();
        h.Fake!.Gate = gate.Task;

        var calls = Enumerable.Range(0, 200).Select(_ => Task.Run(() => h.Engine.ForceRefreshAsync(KeyA, stale, CancellationToken.None))).ToArray();
        await Eventually.TrueAsync(() => h.Fake.Calls == 2, "the forced upstream call started");
        gate.SetResult();
        var tokens = await Task.WhenAll(calls);

        Assert.Equal(2, h.Fake.Calls);
        Assert.All(tokens, t => Assert.Equal("tok-2", t.Value));

        var late = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => h.Engine.ForceRefreshAsync(KeyA, stale, CancellationToken.None)));
        Assert.Equal(2, h.Fake.Calls);
        Assert.All(late, t => Assert.Equal(2, t.Version));
    }

    [Fact]
    public async Task Forced_refreshes_that_arrive_while_a_refresh_finishes_never_start_a_second_one()
    {
        await using var h = EngineHarness.Create(configure: s => s["TokenCenter:Refresh:ForcedDailyBudget"] = "1000");
        for (var round = 0; round < 25; round++)
        {
            var stale = (await h.Engine.GetAsync(KeyA, CancellationToken.None)).Value;
            var before = h.Fake!.Calls;

            // A short upstream call: the refresh completes while callers are still arriving with the old value.
            h.Fake.Gate = Task.Delay(3);
            var tokens = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => Task.Run(() => h.Engine.ForceRefreshAsync(KeyA, stale, CancellationToken.None))));

            Assert.Equal(before + 1, h.Fake.Calls);
            Assert.Single(tokens.Select(t => t.Value).Distinct());
            h.Clock.Advance(TimeSpan.FromSeconds(36)); // past the forced-refresh budget's minimum interval (35 s)
        }
    }

    [Fact]
    public async Task After_the_lock_is_won_a_token_stored_by_another_replica_is_adopted_without_calling_WeChat()
    {
        await using var h = EngineHarness.Create();
        var stale = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var lease = await h.Services.GetRequiredService<IDistributedLock>().TryAcquireAsync(KeyA, TimeSpan.FromSeconds(15), TimeSpan.Zero, CancellationToken.None);

        var forced = h.Engine.ForceRefreshAsync(KeyA, stale.Value, CancellationToken.None);
        // Another replica refreshes while holding the lock; its TokenChanged is lost.
        var version = await h.Store.NextVersionAsync(KeyA, CancellationToken.None);
        var now = h.Clock.GetUtcNow();
        var other = new StoredToken("from-other-replica", now.AddHours(2), now, version);
        await WriteSilentlyAsync(h, other);
        await lease!.DisposeAsync();

        var token = await forced;
        Assert.Equal("from-other-replica", token.Value);
        Assert.Equal(1, h.Fake!.Calls);
    }

    [Fact]
    public async Task A_token_stored_by_another_replica_is_adopted_and_pushed_to_watchers()
    {
        await using var h = EngineHarness.Create();
        var first = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        await using var watch = h.Engine.WatchAsync(KeyA, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await watch.MoveNextAsync());
        Assert.Same(first, watch.Current);

        var now = h.Clock.GetUtcNow();
        var version = await h.Store.NextVersionAsync(KeyA, CancellationToken.None);
        await h.Store.TryWriteAsync(KeyA, new StoredToken("replica-2", now.AddHours(2), now, version), CancellationToken.None);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal("replica-2", watch.Current.Value);
        Assert.Equal(version, watch.Current.Version);
        Assert.Equal("replica-2", (await h.Engine.GetAsync(KeyA, CancellationToken.None)).Value);
        await cts.CancelAsync();
    }

    [Fact]
    public async Task A_lost_compare_and_set_adopts_the_newer_stored_token()
    {
        var store = new RacingStore();
        await using var h = EngineHarness.Create(services: s => s.AddSingleton<ITokenStore>(store));
        var token = await h.Engine.GetAsync(KeyA, CancellationToken.None);

        Assert.Equal("winner", token.Value);
        Assert.Equal(100, token.Version);
    }

    [Fact]
    public async Task A_looping_forced_refresh_is_refused_by_the_quota_guard_and_upstream_calls_stay_within_budget()
    {
        await using var h = EngineHarness.Create(configure: s =>
        {
            s["TokenCenter:Refresh:ForcedMinInterval"] = "00:00:30";
            s["TokenCenter:Refresh:ForcedDailyBudget"] = "3";
        });
        var token = await h.Engine.GetAsync(KeyA, CancellationToken.None);

        token = await h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None);
        var tooSoon = await Assert.ThrowsAsync<ForcedRefreshBudgetExceededException>(() => h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(30), tooSoon.RetryAfter);

        var refusals = 0;
        for (var i = 0; i < 10; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(31));
            try
            {
                token = await h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None);
            }
            catch (ForcedRefreshBudgetExceededException ex)
            {
                refusals++;
                Assert.Contains("daily budget of 3", ex.Message, StringComparison.Ordinal);
            }
        }

        Assert.Equal(8, refusals);
        Assert.Equal(1 + 3, h.Fake!.Calls);
        var status = (await h.Engine.GetStatusAsync(CancellationToken.None)).Keys.Single();
        Assert.Equal(0, status.ForcedRefreshBudgetLeft);
    }

    [Fact]
    public async Task Stable_forced_refresh_asks_normal_mode_first_and_forces_only_when_WeChat_repeats_the_stale_value()
    {
        await using var h = EngineHarness.Create(grantA: "Stable");
        var token = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        h.Fake!.Override = (_, force) => force ? null : UpstreamTokenResult.Success(token.Value, TimeSpan.FromMinutes(90));

        var fresh = await h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None);

        Assert.NotEqual(token.Value, fresh.Value);
        Assert.Equal([false, false, true], h.Fake.CallLog.Select(c => c.Force));

        h.Clock.Advance(TimeSpan.FromMinutes(1));
        h.Fake.Override = (_, force) => force ? throw new InvalidOperationException("must not force") : UpstreamTokenResult.Success("rotated-by-wechat", TimeSpan.FromMinutes(4));
        var rotated = await h.Engine.ForceRefreshAsync(KeyA, fresh.Value, CancellationToken.None);
        Assert.Equal("rotated-by-wechat", rotated.Value);
        Assert.Equal(4, h.Fake.Calls);
    }

    [Fact]
    public async Task An_upstream_error_without_a_valid_token_is_unavailable_with_the_errcode_and_shown_in_status()
    {
        await using var h = EngineHarness.Create();
        h.Fake!.Override = (_, _) => UpstreamTokenResult.Failure(40125, "invalid appsecret rid: 1-2-3");

        var ex = await Assert.ThrowsAsync<UpstreamUnavailableException>(() => h.Engine.GetAsync(KeyA, CancellationToken.None).AsTask());
        Assert.Equal(40125, ex.ErrCode);
        Assert.Equal("WeChat answered errcode 40125: invalid appsecret rid: 1-2-3", ex.Message);

        // Within the backoff the last error is answered again without calling WeChat.
        await Assert.ThrowsAsync<UpstreamUnavailableException>(() => h.Engine.GetAsync(KeyA, CancellationToken.None).AsTask());
        Assert.Equal(1, h.Fake.Calls);

        var status = (await h.Engine.GetStatusAsync(CancellationToken.None)).Keys.Single();
        Assert.False(status.HasValidToken);
        Assert.Equal(40125, status.LastError.Errcode);

        h.Clock.Advance(TimeSpan.FromSeconds(6));
        h.Fake.Override = null;
        Assert.Equal("tok-1", (await h.Engine.GetAsync(KeyA, CancellationToken.None)).Value);
        Assert.Null((await h.Engine.GetStatusAsync(CancellationToken.None)).Keys.Single().LastError);
    }

    [Fact]
    public async Task A_failing_proactive_refresh_keeps_serving_the_old_token_and_retries_with_backoff()
    {
        await using var h = EngineHarness.Create();
        await h.StartRefresherAsync();
        await h.WaitScheduledAsync(KeyA);
        var slot = h.Slot(KeyA);
        var held = slot.State!.Token;
        h.Fake!.Override = (_, _) => UpstreamTokenResult.Failure(-1, "system error");

        h.Clock.Advance(slot.NextRefreshAt!.Value - h.Clock.GetUtcNow());
        await Eventually.TrueAsync(() => slot.ConsecutiveFailures == 1 && slot.NextRefreshAt > h.Clock.GetUtcNow() && h.Clock.PendingTimers >= 1, "the failure is recorded and a retry planned");
        Assert.Equal(held.Value, (await h.Engine.GetAsync(KeyA, CancellationToken.None)).Value);

        h.Fake.Override = null;
        h.Clock.Advance(slot.NextRefreshAt!.Value - h.Clock.GetUtcNow());
        await h.WaitScheduledAsync(KeyA, held.Version + 1);
        Assert.NotEqual(held.Value, (await h.Engine.GetAsync(KeyA, CancellationToken.None)).Value);
    }

    [Fact]
    public async Task Proactive_refresh_falls_inside_the_window_with_jitter_and_no_served_token_ever_expires()
    {
        await using var h = EngineHarness.Create(configure: s =>
        {
            s["TokenCenter:Refresh:Ahead"] = "00:10:00";
            s["TokenCenter:Refresh:Jitter"] = "00:02:00";
        });
        await h.StartRefresherAsync();
        var leads = new List<TimeSpan>();
        for (var i = 1; i <= 20; i++)
        {
            await h.WaitScheduledAsync(KeyA, i);
            var slot = h.Slot(KeyA);
            var held = slot.State!.Token;
            var due = slot.NextRefreshAt!.Value;
            var lead = held.ExpiresAt - due;
            Assert.InRange(lead, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(12));
            leads.Add(lead);

            h.Clock.Advance(due - h.Clock.GetUtcNow() - TimeSpan.FromSeconds(1));
            var served = await h.Engine.GetAsync(KeyA, CancellationToken.None);
            Assert.Equal(held.Value, served.Value);
            Assert.True(served.ExpiresAt.ToDateTimeOffset() > h.Clock.GetUtcNow());
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            await Eventually.TrueAsync(() => slot.State!.Token.Version > held.Version, "the proactive refresh stored a new token");
            Assert.True(slot.State!.Token.IsValidAt(h.Clock.GetUtcNow()));
        }

        Assert.Equal(21, h.Fake!.Calls);
        Assert.True(leads.Distinct().Count() > 10, "jitter spreads the refresh times");
        Assert.Equal("proactive", (await h.Engine.GetStatusAsync(CancellationToken.None)).Keys.Single().LastTrigger);
    }

    private static async Task WriteSilentlyAsync(EngineHarness h, StoredToken token)
    {
        var store = (InMemoryTokenStore)h.Store;
        var handlers = typeof(InMemoryTokenStore).GetField("TokenChanged", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;
        var saved = handlers.GetValue(store);
        handlers.SetValue(store, null);
        await store.TryWriteAsync(KeyA, token, CancellationToken.None);
        handlers.SetValue(store, saved);
    }

    /// <summary>A store where another replica always wins the write race with version 100.</summary>
    private sealed class RacingStore : ITokenStore
    {
        private StoredToken? _held;

        public string Name => "racing";

        public event Action<TokenSlotKey, long>? TokenChanged;

        public Task<StoredToken?> GetAsync(TokenSlotKey key, CancellationToken cancellationToken) => Task.FromResult(_held);

        public Task<long> NextVersionAsync(TokenSlotKey key, CancellationToken cancellationToken) => Task.FromResult(99L);

        public Task<bool> TryWriteAsync(TokenSlotKey key, StoredToken token, CancellationToken cancellationToken)
        {
            _held = new StoredToken("winner", token.ExpiresAt, token.ObtainedAt, 100);
            TokenChanged?.Invoke(key, 100);
            return Task.FromResult(false);
        }

        public Task RemoveAsync(TokenSlotKey key, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
