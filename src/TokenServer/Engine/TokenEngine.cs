using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Engine;

/// <summary>
/// The token engine: one slot per configured key, holding the current token in memory (L1) backed by
/// the shared <see cref="ITokenStore"/> (L2). Serving a valid token is a dictionary read; refreshes are
/// single-flight per key, fenced by store versions, and serialized across replicas by the
/// <see cref="IDistributedLock"/>. See <c>Engine/readme.md</c>.
/// </summary>
public sealed partial class TokenEngine : IAccessTokenReader, IDisposable
{
    private readonly FrozenDictionary<TokenSlotKey, TokenSlot> _slots;
    private readonly FrozenSet<TokenKind> _kinds;
    private readonly ITokenStore _store;
    private readonly IDistributedLock _lock;
    private readonly ForcedRefreshBudget _quota;
    private readonly UpstreamCallCounter _calls;
    private readonly RefreshOptions _refresh;
    private readonly TimeSpan _upstreamAttempt;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly Lock _randomGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Observability.TokenCenterMetrics? _metrics;
    private readonly IDynamicKeyProvider[] _dynamicKeys;

    /// <summary>
    /// Builds the engine from its seams; plain dependency injection (or <c>ActivatorUtilities</c>, to pass a seeded
    /// <paramref name="random"/>) calls it.
    /// </summary>
    /// <param name="sources">The grants: one slot per key a source declares; their kinds are the kinds served.</param>
    /// <param name="dynamicKeys">Who knows the keys created at run time (authorizers, JS-SDK tickets), asked by <see cref="EnsureKeyAsync"/>.</param>
    /// <param name="store">The shared token store (L2).</param>
    /// <param name="distributedLock">The refresh lock, across replicas.</param>
    /// <param name="quota">The forced-refresh budget.</param>
    /// <param name="calls">Upstream calls counted per app.</param>
    /// <param name="options">Refresh and upstream settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The engine's log.</param>
    /// <param name="metrics">Refresh metrics; when given, the engine also creates its observable gauges on its meter.</param>
    /// <param name="random">Jitter source (tests seed it).</param>
    public TokenEngine(
        IEnumerable<ITokenSource> sources,
        IEnumerable<IDynamicKeyProvider> dynamicKeys,
        ITokenStore store,
        IDistributedLock distributedLock,
        ForcedRefreshBudget quota,
        UpstreamCallCounter calls,
        IOptions<TokenCenterOptions> options,
        TimeProvider time,
        ILogger<TokenEngine> logger,
        Observability.TokenCenterMetrics? metrics = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(dynamicKeys);
        ArgumentNullException.ThrowIfNull(options);
        var list = sources.ToList();
        _dynamicKeys = dynamicKeys.ToArray();
        _slots = list.SelectMany(s => s.Keys.Select(k => new TokenSlot(k, s))).ToFrozenDictionary(s => s.Key);
        _kinds = list.Select(s => s.Kind).ToFrozenSet();
        _store = store;
        _lock = distributedLock;
        _quota = quota;
        _calls = calls;
        _refresh = options.Value.Refresh;
        _upstreamAttempt = options.Value.Upstream?.Timeout ?? TimeSpan.Zero;
        _time = time;
        _logger = logger;
        _random = random ?? new Random();
        _metrics = metrics;
        _store.TokenChanged += OnTokenChanged;
        _store.ReconcileNeeded += OnReconcileNeeded;
        if (metrics is not null)
        {
            Observability.TokenLifetimeGauge.Create(metrics, this, time);
        }
    }

    /// <summary>Every configured key.</summary>
    public IReadOnlyCollection<TokenSlotKey> Keys => _slots.Keys;

    /// <summary>Name of the store backing the tokens ("memory" or "redis").</summary>
    public string StoreName => _store.Name;

    internal IEnumerable<TokenSlot> Slots => _slots.Values;

    /// <summary>Whether tokens of <paramref name="kind"/> are served (a grant for it is registered).</summary>
    public bool SupportsKind(TokenKind kind) => _kinds.Contains(kind);

    /// <summary>Whether <paramref name="key"/> is configured.</summary>
    public bool IsConfigured(TokenSlotKey key) => _slots.ContainsKey(key) || _dynamic.ContainsKey(key);

    /// <summary>
    /// Returns the current token of <paramref name="key"/>. A valid held token is returned at once (the
    /// same message instance for one version); otherwise waits for the store or the refresh in flight,
    /// up to <paramref name="cancellationToken"/>.
    /// </summary>
    /// <exception cref="UnknownTokenKeyException">The key is not configured.</exception>
    /// <exception cref="UpstreamUnavailableException">No valid token and WeChat refused or failed.</exception>
    /// <exception cref="TokenUnavailableException">No valid token and the store or lock failed.</exception>
    public ValueTask<TokenCenter.V1.Token> GetAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        var slot = Slot(key);
        var state = slot.State;
        if (state is not null && state.Token.ExpiresAt > _time.GetUtcNow())
        {
            return ValueTask.FromResult(state.Message);
        }

        return new ValueTask<TokenCenter.V1.Token>(GetSlowAsync(slot, cancellationToken));
    }

    private async Task<TokenCenter.V1.Token> GetSlowAsync(TokenSlot slot, CancellationToken cancellationToken)
    {
        Task<SlotState> flight;
        lock (slot.Gate)
        {
            if (slot.InFlight is null && slot.LastFailure is { } failure && slot.RetryNotBefore > _time.GetUtcNow())
            {
                throw Rethrowable(failure);
            }

            flight = StartOrJoin(slot, slot.EverHeld ? RefreshTrigger.Proactive : RefreshTrigger.Startup, null, out _);
        }

        var state = await flight.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!state.Token.IsValidAt(_time.GetUtcNow()))
        {
            throw new TokenUnavailableException($"the token of {slot.Key} expired and no new one could be obtained yet");
        }

        return state.Message;
    }

    private TokenSlot Slot(TokenSlotKey key) => TryGetSlot(key, out var slot) ? slot : throw new UnknownTokenKeyException(key);

    private static Exception Rethrowable(Exception failure) => failure switch
    {
        UpstreamUnavailableException u => new UpstreamUnavailableException(u.ErrCode, u.ErrMsg),
        TokenStoreUnavailableException s => new TokenStoreUnavailableException(s.Message, s) { Reason = s.Reason },
        _ => new TokenUnavailableException(failure.Message),
    };

    /// <summary>Stops refreshes in flight and ends every watch.</summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _store.TokenChanged -= OnTokenChanged;
        _store.ReconcileNeeded -= OnReconcileNeeded;
        _stopping.Cancel();
        foreach (var slot in _slots.Values)
        {
            slot.CompleteWatchers();
        }

        // _stopping is not disposed: refreshes still unwinding read its token.
    }
}
