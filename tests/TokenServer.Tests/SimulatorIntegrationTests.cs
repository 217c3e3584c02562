using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;
using Microsoft.Extensions.DependencyInjection;
using TokenServer.Tests.Support;
using WeChatSimulator;

namespace TokenServer.Tests;

/// <summary>The engine with the real WeChat client (HttpClient + Polly) against the simulator on loopback HTTP.</summary>
public sealed class SimulatorIntegrationTests
{
    private static readonly TokenSlotKey KeyA = EngineHarness.KeyA;

    private static async Task<(SimulatorHost Sim, EngineHarness Harness)> StartAsync(string grant, Action<Dictionary<string, string?>>? configure = null, Action<SimulatorOptions>? sim = null)
    {
        var clock = new ManualClock();
        var options = new SimulatorOptions();
        options.Apps.Add(new SimulatedApp(EngineHarness.AppA, EngineHarness.SecretA));
        sim?.Invoke(options);
        var host = await SimulatorHost.StartAsync(options, clock);
        return (host, EngineHarness.Create(grant, configure, simulator: host, clock: clock));
    }

    [Theory]
    [InlineData("Classic", WeChatSim.TokenEndpoint, 10, 12)]
    [InlineData("Stable", WeChatSim.StableTokenEndpoint, 3, 4)]
    public async Task Proactive_refresh_keeps_a_working_token_across_twenty_lifetimes(string grant, string endpoint, int minLead, int maxLead)
    {
        var (sim, h) = await StartAsync(grant);
        await using var simHost = sim;
        await using var harness = h;
        await h.StartRefresherAsync();
        for (var i = 1; i <= 20; i++)
        {
            await h.WaitScheduledAsync(KeyA, i);
            var slot = h.Slot(KeyA);
            var held = slot.State!.Token;
            var due = slot.NextRefreshAt!.Value;
            Assert.InRange(held.ExpiresAt - due, TimeSpan.FromMinutes(minLead), TimeSpan.FromMinutes(maxLead));

            h.Clock.Advance(due - h.Clock.GetUtcNow() - TimeSpan.FromSeconds(1));
            var served = await h.Engine.GetAsync(KeyA, CancellationToken.None);
            Assert.NotNull(sim.Sim.ValidateAccessToken(served.Value, out var before));
            Assert.Equal(0, before);

            h.Clock.Advance(TimeSpan.FromSeconds(1));
            await Eventually.TrueAsync(() => slot.State!.Token.Version > held.Version, "a new token is stored");
            served = await h.Engine.GetAsync(KeyA, CancellationToken.None);
            Assert.NotNull(sim.Sim.ValidateAccessToken(served.Value, out var after));
            Assert.Equal(0, after);
        }

        Assert.Equal(21, sim.Sim.IssuedTokens(EngineHarness.AppA, endpoint));
        Assert.Equal(0, sim.Sim.IssuedTokens(EngineHarness.AppA, WeChatSim.StableTokenForceEndpoint));
    }

    [Fact]
    public async Task Two_hundred_concurrent_forced_refreshes_reach_WeChat_once_and_the_new_token_works()
    {
        var (sim, h) = await StartAsync("Classic");
        await using var simHost = sim;
        await using var harness = h;
        var stale = await h.Engine.GetAsync(KeyA, CancellationToken.None);

        var tokens = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => h.Engine.ForceRefreshAsync(KeyA, stale.Value, CancellationToken.None))));
        var again = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => h.Engine.ForceRefreshAsync(KeyA, stale.Value, CancellationToken.None)));

        Assert.Equal(2, sim.Sim.IssuedTokens(EngineHarness.AppA, WeChatSim.TokenEndpoint));
        Assert.Single(tokens.Concat(again).Select(t => t.Value).Distinct());
        Assert.NotNull(sim.Sim.ValidateAccessToken(tokens[0].Value, out _));
    }

    [Fact]
    public async Task Stable_forced_refresh_uses_force_refresh_only_when_the_stale_value_comes_back()
    {
        var (sim, h) = await StartAsync("Stable");
        await using var simHost = sim;
        await using var harness = h;
        var stale = await h.Engine.GetAsync(KeyA, CancellationToken.None);

        var fresh = await h.Engine.ForceRefreshAsync(KeyA, stale.Value, CancellationToken.None);

        Assert.NotEqual(stale.Value, fresh.Value);
        Assert.Equal(1, sim.Sim.IssuedTokens(EngineHarness.AppA, WeChatSim.StableTokenForceEndpoint));
        Assert.Equal(0, sim.Sim.ValidateAccessToken(fresh.Value, out var code) is null ? -1 : code);
    }

    [Fact]
    public async Task Stable_force_limits_of_WeChat_are_never_reached_through_the_quota_guard()
    {
        var (sim, h) = await StartAsync("Stable", s => s["TokenCenter:Refresh:ForcedDailyBudget"] = "5");
        await using var simHost = sim;
        await using var harness = h;
        var token = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var refused = 0;
        for (var i = 0; i < 30; i++)
        {
            try
            {
                token = await h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None);
            }
            catch (ForcedRefreshBudgetExceededException)
            {
                refused++;
            }

            h.Clock.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.Equal(25, refused);
        Assert.Equal(5, sim.Sim.Calls(EngineHarness.AppA, WeChatSim.StableTokenForceEndpoint));
        Assert.Equal(0, sim.Sim.ValidateAccessToken(token.Value, out var code) is null ? -1 : code);
    }

    [Fact]
    public async Task With_the_default_limits_WeChat_never_refuses_a_force_even_when_its_clock_is_not_the_servers()
    {
        // Beijing midnight plus 30 s; WeChat's day (UTC+8) and the server's UTC day differ by 8 hours.
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 16, 0, 30, TimeSpan.Zero));
        var wechatClock = new DriftingClock(clock);
        var options = new SimulatorOptions();
        options.Apps.Add(new SimulatedApp(EngineHarness.AppA, EngineHarness.SecretA));
        await using var sim = await SimulatorHost.StartAsync(options, wechatClock);
        await using var h = EngineHarness.Create("Stable", simulator: sim, clock: clock);
        var random = new Random(11);
        var token = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        var forced = 0;
        var end = clock.GetUtcNow() + TimeSpan.FromHours(30);
        while (clock.GetUtcNow() < end)
        {
            // WeChat sees each call 0 to 4 s later than the server's clock says (latency, skew).
            wechatClock.Offset = TimeSpan.FromSeconds(random.NextDouble() * 4);
            try
            {
                token = await h.Engine.ForceRefreshAsync(KeyA, token.Value, CancellationToken.None);
                forced++;
                clock.Advance(TimeSpan.FromSeconds(1));
            }
            catch (ForcedRefreshBudgetExceededException q)
            {
                clock.Advance(q.RetryAfter);
            }
            catch (UpstreamUnavailableException)
            {
                clock.Advance(TimeSpan.FromSeconds(1)); // WeChat refused (45009): counted below
            }

            token = await h.Engine.GetAsync(KeyA, CancellationToken.None);
        }

        var defaults = new RefreshOptions();
        Assert.Equal(sim.Sim.IssuedTokens(EngineHarness.AppA, WeChatSim.StableTokenForceEndpoint), sim.Sim.Calls(EngineHarness.AppA, WeChatSim.StableTokenForceEndpoint));
        Assert.Equal(2 * defaults.ForcedDailyBudget, forced); // two WeChat days, the whole budget of each
        Assert.InRange(defaults.ForcedDailyBudget, 1, 19);
        Assert.True(defaults.ForcedMinInterval > TimeSpan.FromSeconds(30), $"default interval {defaults.ForcedMinInterval}");
        Assert.Equal(0, sim.Sim.ValidateAccessToken(token.Value, out var code) is null ? -1 : code);
    }

    [Fact]
    public async Task A_forced_stable_token_call_is_sent_once_while_normal_mode_calls_are_retried()
    {
        var (sim, h) = await StartAsync("Stable", s => s["TokenCenter:Upstream:MaxRetries"] = "3");
        await using var simHost = sim;
        await using var harness = h;
        sim.Sim.Faults.BusyShare = 1;
        var client = h.Services.GetRequiredService<IWeChatTokenClient>();
        var app = new AppCredentials(EngineHarness.AppA, EngineHarness.SecretA, AccessTokenGrant.Stable);

        var forced = await client.GetAccessTokenAsync(app, forceRefresh: true, CancellationToken.None);
        var normal = await client.GetAccessTokenAsync(app, forceRefresh: false, CancellationToken.None);

        Assert.Equal(-1, forced.ErrCode);
        Assert.Equal(-1, normal.ErrCode);
        Assert.Equal(1, sim.Sim.Calls(EngineHarness.AppA, WeChatSim.StableTokenForceEndpoint));
        Assert.Equal(1 + 4, sim.Sim.Calls(EngineHarness.AppA, WeChatSim.StableTokenEndpoint));
    }

    [Fact]
    public async Task System_busy_answers_are_retried_until_a_token_is_issued()
    {
        var (sim, h) = await StartAsync("Classic", s => s["TokenCenter:Upstream:MaxRetries"] = "10");
        await using var simHost = sim;
        await using var harness = h;
        sim.Sim.Faults.Seed = 3;
        sim.Sim.Faults.BusyShare = 0.6;

        var token = await h.Engine.GetAsync(KeyA, CancellationToken.None);

        Assert.NotNull(sim.Sim.ValidateAccessToken(token.Value, out _));
        Assert.True(sim.Sim.Calls(EngineHarness.AppA, WeChatSim.TokenEndpoint) > 1, "at least one -1 answer was retried");
        Assert.Equal(1, sim.Sim.IssuedTokens(EngineHarness.AppA, WeChatSim.TokenEndpoint));
    }

    [Theory]
    [InlineData(40125)]
    [InlineData(40164)]
    [InlineData(45009)]
    [InlineData(89503)]
    public async Task Final_errcodes_are_not_retried_and_show_in_status(int errcode)
    {
        // Attempts of 60 s: "one call" must mean the errcode was not retried, never that a loaded machine's slow first
        // attempt timed out and was retried (a retry on timeout is right, and tested with the pipeline's own tests).
        var (sim, h) = await StartAsync("Classic", s =>
        {
            s["TokenCenter:Upstream:Timeout"] = "00:01:00";
            s["TokenCenter:Refresh:LockLease"] = "00:02:00";
            s["TokenCenter:Refresh:LockWait"] = "00:02:00";
        });
        await using var simHost = sim;
        await using var harness = h;
        sim.Sim.Faults.AppErrors[EngineHarness.AppA] = errcode;

        var ex = await Assert.ThrowsAsync<UpstreamUnavailableException>(() => h.Engine.GetAsync(KeyA, CancellationToken.None).AsTask());

        Assert.Equal(errcode, ex.ErrCode);
        Assert.Equal(1, sim.Sim.Calls(EngineHarness.AppA, WeChatSim.TokenEndpoint));
        var status = (await h.Engine.GetStatusAsync(CancellationToken.None)).Keys.Single();
        Assert.Equal(errcode, status.LastError.Errcode);
        Assert.Equal(1, status.UpstreamCallsToday);
        Assert.DoesNotContain(EngineHarness.SecretA, status.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_is_unavailable_with_40125_and_the_secret_is_not_in_the_message()
    {
        var (sim, h) = await StartAsync("Stable", s => s["TokenCenter:Apps:0:Secret"] = "wrong-secret-value");
        await using var simHost = sim;
        await using var harness = h;

        var ex = await Assert.ThrowsAsync<UpstreamUnavailableException>(() => h.Engine.GetAsync(KeyA, CancellationToken.None).AsTask());

        Assert.Equal(40125, ex.ErrCode);
        Assert.DoesNotContain("wrong-secret-value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_with_a_valid_stored_token_never_calls_WeChat()
    {
        var (sim, h) = await StartAsync("Classic");
        await using var simHost = sim;
        await using var harness = h;
        var now = h.Clock.GetUtcNow();
        await h.Store.TryWriteAsync(KeyA, new StoredToken("held-by-others", now.AddMinutes(90), now.AddMinutes(-30), 7), CancellationToken.None);

        await h.StartRefresherAsync();
        await h.WaitScheduledAsync(KeyA, 7);

        Assert.Equal("held-by-others", (await h.Engine.GetAsync(KeyA, CancellationToken.None)).Value);
        Assert.Equal(0, sim.Sim.TotalIssuedTokens(EngineHarness.AppA));
    }

    /// <summary>The server's clock seen by WeChat, <see cref="Offset"/> later (changeable between calls).</summary>
    private sealed class DriftingClock(TimeProvider inner) : TimeProvider
    {
        private long _offsetTicks;

        public TimeSpan Offset
        {
            get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
            set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
        }

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Offset;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }
}
