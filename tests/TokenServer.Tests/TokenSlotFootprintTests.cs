using System.Threading.Channels;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenServer.Tests;

/// <summary>
/// A replica holds 100,000 authorizer slots: a cold slot (its token asked for once) keeps no protobuf message, no
/// watcher list, change signal, lock object or failure bookkeeping; those exist only while needed.
/// </summary>
public sealed class TokenSlotFootprintTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_dynamic_slot_keeps_its_message_from_the_second_serve_of_a_version_and_then_serves_that_instance()
    {
        var slot = new TokenSlot(Key("wxa000000000000001"), new NoSource(), dynamic: true);
        Assert.True(slot.TryAdopt(new StoredToken("tok-1", Now + TimeSpan.FromHours(2), Now, 1)));
        var state = slot.State!;

        var first = state.Message;
        Assert.False(state.HasKeptMessage);
        Assert.Equal("tok-1", first.Value);
        Assert.Equal(1, first.Version);
        Assert.Equal("wxa000000000000001", first.Key.AppId);
        Assert.Equal(Timestamp(Now + TimeSpan.FromHours(2)), first.ExpiresAt);

        var second = state.Message;
        Assert.True(state.HasKeptMessage);
        Assert.Same(second, state.Message);
        Assert.Equal(first, second);

        // A new version starts cold again.
        Assert.True(slot.TryAdopt(new StoredToken("tok-2", Now + TimeSpan.FromHours(4), Now + TimeSpan.FromHours(2), 2)));
        Assert.False(slot.State!.HasKeptMessage);
        Assert.Equal("tok-2", slot.State.Message.Value);
    }

    [Fact]
    public void A_configured_slot_keeps_its_message_from_the_first_serve_and_watchers_get_one_kept_instance()
    {
        var configured = new TokenSlot(TokenSlotKey.AccessToken("wx0000000000000001"), new NoSource());
        configured.TryAdopt(new StoredToken("tok-1", Now + TimeSpan.FromHours(2), Now, 1));
        Assert.Same(configured.State!.Message, configured.State.Message);

        var watched = new TokenSlot(Key("wxa000000000000002"), new NoSource(), dynamic: true);
        var a = Channel.CreateUnbounded<Token>();
        var b = Channel.CreateUnbounded<Token>();
        watched.Subscribe(a.Writer);
        watched.Subscribe(b.Writer);
        watched.TryAdopt(new StoredToken("tok-1", Now + TimeSpan.FromHours(2), Now, 1));
        Assert.True(a.Reader.TryRead(out var fromA));
        Assert.True(b.Reader.TryRead(out var fromB));
        Assert.Same(fromA, fromB);
        Assert.Same(fromA, watched.State!.Message);

        watched.Unsubscribe(a.Writer);
        watched.CompleteWatchers();
        Assert.True(b.Reader.Completion.IsCompleted);
    }

    [Fact]
    public void Failure_bookkeeping_is_kept_while_set_and_clearing_it_on_a_slot_that_never_failed_reads_back_clear()
    {
        var slot = new TokenSlot(Key("wxa000000000000003"), new NoSource(), dynamic: true);
        slot.LastFailure = null;
        slot.RetryNotBefore = null;
        slot.ConsecutiveFailures = 0;
        Assert.Null(slot.LastFailure);
        Assert.Null(slot.RetryNotBefore);
        Assert.Equal(0, slot.ConsecutiveFailures);
        Assert.False(slot.WriteBackPending);

        var failure = new InvalidOperationException("boom");
        slot.ConsecutiveFailures = 2;
        slot.LastFailure = failure;
        slot.RetryNotBefore = Now + TimeSpan.FromSeconds(10);
        slot.WriteBackPending = true;
        slot.LastRefreshAt = Now;
        slot.NextRefreshAt = Now + TimeSpan.FromMinutes(5);
        Assert.Equal(2, slot.ConsecutiveFailures);
        Assert.Same(failure, slot.LastFailure);
        Assert.Equal(Now + TimeSpan.FromSeconds(10), slot.RetryNotBefore);
        Assert.True(slot.WriteBackPending);
        Assert.Equal(Now, slot.LastRefreshAt);
        Assert.Equal(Now + TimeSpan.FromMinutes(5), slot.NextRefreshAt);

        // Adopting a token lifts the retry pause, as before.
        slot.TryAdopt(new StoredToken("tok-1", Now + TimeSpan.FromHours(2), Now, 1));
        Assert.Null(slot.RetryNotBefore);
    }

    [Fact]
    public void A_cold_authorizer_slot_holding_a_token_allocates_under_200_bytes_besides_the_token()
    {
        const int Slots = 2_000;
        var keys = Enumerable.Range(0, Slots).Select(i => Key($"wxa{i:x15}")).ToArray();
        var tokens = Enumerable.Range(0, Slots).Select(i => new StoredToken("tok-" + i, Now + TimeSpan.FromHours(2), Now, 1)).ToArray();
        var source = new NoSource();
        var slots = new TokenSlot[Slots];

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Slots; i++)
        {
            slots[i] = new TokenSlot(keys[i], source, dynamic: true);
            slots[i].TryAdopt(tokens[i]);
            slots[i].LastRefreshAt = Now;
            slots[i].LastTrigger = RefreshTrigger.Startup;
        }

        var perSlot = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Slots;
        Assert.True(perSlot < 200, $"a cold slot allocates {perSlot:0} bytes (the slot and its state; the token is the caller's)");
        GC.KeepAlive(slots);
    }

    [Fact]
    public async Task Dynamic_slots_of_one_component_share_one_component_id_instance_whatever_instance_their_key_carried()
    {
        await using var h = Support.EngineHarness.Create();
        var source = new NoSource();
        // As parsed from two requests: equal strings, two instances.
        var first = new TokenSlotKey(TokenKind.AuthorizerAccessToken, new string("wx00000000000000c1".AsSpan()), "wxa000000000000001");
        var second = new TokenSlotKey(TokenKind.AuthorizerAccessToken, new string("wx00000000000000c1".AsSpan()), "wxa000000000000002");
        Assert.NotSame(first.ComponentAppId, second.ComponentAppId);

        var a = h.Engine.AddDynamicSlot(first, source);
        var b = h.Engine.AddDynamicSlot(second, source);

        Assert.Same(a.Key.ComponentAppId, b.Key.ComponentAppId);
        Assert.True(h.Engine.TryGetSlot(second, out var found));
        Assert.Same(b, found);
    }

    [Fact]
    public async Task Passes_over_every_dynamic_slot_copy_none_of_them()
    {
        // The census (readiness, status, metrics) and the ticket refresher walk every dynamic slot every few seconds. A
        // copy of 20,000 slot references is 160 KB (800 KB on the large object heap at 100,000 authorizers).
        const int Slots = 20_000;
        await using var h = Support.EngineHarness.Create();
        var source = new NoSource();
        for (var i = 0; i < Slots; i++)
        {
            h.Engine.AddDynamicSlot(Key($"wxa{i:x15}"), source);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var walked = h.Engine.DynamicSlots.Count(s => s.Key.Kind == TokenKind.AuthorizerAccessToken);
        var counted = h.Engine.DynamicKeyCounts().Sum(c => c.Invalid + c.Valid);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Slots, walked);
        Assert.Equal(Slots, counted);
        Assert.True(allocated < 16 * 1024, $"two passes over {Slots} slots allocated {allocated} bytes");
    }

    private static TokenSlotKey Key(string appId) => new(TokenKind.AuthorizerAccessToken, "wx00000000000000c1", appId);

    private static Google.Protobuf.WellKnownTypes.Timestamp Timestamp(DateTimeOffset at) => Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at);

    private sealed class NoSource : ITokenSource
    {
        public TokenKind Kind => TokenKind.AuthorizerAccessToken;

        public IReadOnlyCollection<TokenSlotKey> Keys => [];

        public string GrantName(TokenSlotKey key) => "test";

        public RefreshWindow Window(TokenSlotKey key) => new(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(4));

        public Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not fetched in this test");
    }
}
