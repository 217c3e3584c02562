using Microsoft.Extensions.DependencyInjection;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Upstream;

namespace TokenServer.Platform.Tests.Support;

/// <summary>
/// The real platform client, with a gate: while <see cref="Hold"/> is set, an api_authorizer_token answer (WeChat has
/// already answered, and rotated the refresh token) is held back until the gate opens, as a slow network would.
/// </summary>
internal sealed class GatedPlatformClient(IPlatformClient inner) : IPlatformClient
{
    private TaskCompletionSource? _gate;

    /// <summary>Completed when a held answer has arrived from WeChat.</summary>
    public TaskCompletionSource Answered { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Hold()
    {
        Answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Release() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    public Task<UpstreamTokenResult> GetComponentTokenAsync(string componentAppId, string secret, string ticket, CancellationToken cancellationToken) =>
        inner.GetComponentTokenAsync(componentAppId, secret, ticket, cancellationToken);

    public Task<(int ErrCode, string ErrMsg)> StartPushTicketAsync(string componentAppId, string secret, CancellationToken cancellationToken) =>
        inner.StartPushTicketAsync(componentAppId, secret, cancellationToken);

    public Task<UpstreamTokenResult> CreatePreAuthCodeAsync(string componentAppId, string componentAccessToken, CancellationToken cancellationToken) =>
        inner.CreatePreAuthCodeAsync(componentAppId, componentAccessToken, cancellationToken);

    /// <summary>When set, the next api_query_auth throws it (once) instead of asking WeChat: a failure nobody foresaw.</summary>
    public Exception? QueryAuthFailure
    {
        get => Volatile.Read(ref _queryAuthFailure);
        set => Volatile.Write(ref _queryAuthFailure, value);
    }

    private Exception? _queryAuthFailure;

    public Task<AuthorizerTokenResult> QueryAuthAsync(string componentAppId, string componentAccessToken, string authorizationCode, CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _queryAuthFailure, null) is { } failure
            ? Task.FromException<AuthorizerTokenResult>(failure)
            : inner.QueryAuthAsync(componentAppId, componentAccessToken, authorizationCode, cancellationToken);

    /// <summary>When set, api_authorizer_token answers this token (the one already held) without asking WeChat.</summary>
    public (string Value, DateTimeOffset ExpiresAt, TimeProvider Clock)? SameToken { get; set; }

    /// <summary>api_authorizer_token calls made through this client.</summary>
    public int RefreshCalls => Volatile.Read(ref _refreshCalls);

    private int _refreshCalls;

    /// <summary>When each <see cref="SameToken"/> answer was given (the test clock).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> CallTimes { get; } = new();

    public async Task<AuthorizerTokenResult> RefreshAuthorizerTokenAsync(string componentAppId, string componentAccessToken, string authorizerAppId, string refreshToken, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _refreshCalls);
        if (SameToken is { } same)
        {
            CallTimes.Enqueue(same.Clock.GetUtcNow());
            return new AuthorizerTokenResult(0, string.Empty, authorizerAppId, same.Value, same.ExpiresAt - same.Clock.GetUtcNow(), refreshToken);
        }

        var answer = await inner.RefreshAuthorizerTokenAsync(componentAppId, componentAccessToken, authorizerAppId, refreshToken, cancellationToken);
        if (Volatile.Read(ref _gate) is { } gate)
        {
            Answered.TrySetResult();
            await gate.Task.WaitAsync(cancellationToken);
        }

        return answer;
    }
}

/// <summary>The real token store, whose writes fail (as Redis would) while <see cref="FailWrites"/> is set.</summary>
internal sealed class FlakyTokenStore(ITokenStore inner) : ITokenStore
{
    public volatile bool FailWrites;

    public string Name => inner.Name;

    public event Action<TokenSlotKey, long>? TokenChanged
    {
        add => inner.TokenChanged += value;
        remove => inner.TokenChanged -= value;
    }

    public Task<StoredToken?> GetAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public Task<long> NextVersionAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.NextVersionAsync(key, cancellationToken);

    public Task<bool> TryWriteAsync(TokenSlotKey key, StoredToken token, CancellationToken cancellationToken) =>
        FailWrites ? throw new TokenStoreUnavailableException("token write failed (injected)") : inner.TryWriteAsync(key, token, cancellationToken);

    public Task RemoveAsync(TokenSlotKey key, CancellationToken cancellationToken) => inner.RemoveAsync(key, cancellationToken);

    public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
}

/// <summary>
/// The real authorizer store, whose record writes fail (as Redis would) while <see cref="FailWrites"/> is set, and
/// whose removal announcements are lost (a missed pub/sub message) while <see cref="DropRemovedEvents"/> is set.
/// </summary>
internal sealed class FlakyAuthorizerStore : IAuthorizerStore
{
    private readonly IAuthorizerStore inner;

    public FlakyAuthorizerStore(IAuthorizerStore inner)
    {
        this.inner = inner;
        inner.AuthorizerRemoved += id =>
        {
            if (!DropRemovedEvents)
            {
                AuthorizerRemoved?.Invoke(id);
            }
        };
    }

    public volatile bool FailWrites;

    public volatile bool DropRemovedEvents;

    public event Action<AuthorizerId>? AuthorizerRemoved;

    public event Action<AuthorizerId>? AuthorizerAdded
    {
        add => inner.AuthorizerAdded += value;
        remove => inner.AuthorizerAdded -= value;
    }

    public Task SaveAsync(AuthorizerRecord record, CancellationToken cancellationToken) =>
        FailWrites ? throw Down() : inner.SaveAsync(record, cancellationToken);

    public Task<bool> TrySaveAsync(AuthorizerRecord record, string expectedEncryptedRefreshToken, CancellationToken cancellationToken) =>
        FailWrites ? throw Down() : inner.TrySaveAsync(record, expectedEncryptedRefreshToken, cancellationToken);

    public Task<AuthorizerRecord?> GetAsync(string componentAppId, string appId, CancellationToken cancellationToken) => inner.GetAsync(componentAppId, appId, cancellationToken);

    public Task<bool> RemoveAsync(string componentAppId, string appId, CancellationToken cancellationToken) => inner.RemoveAsync(componentAppId, appId, cancellationToken);

    public Task<IReadOnlyList<AuthorizerRecord>> ListAsync(string componentAppId, string? afterAppId, int count, CancellationToken cancellationToken) =>
        inner.ListAsync(componentAppId, afterAppId, count, cancellationToken);

    public Task ScheduleAsync(AuthorizerId id, DateTimeOffset due, CancellationToken cancellationToken) => inner.ScheduleAsync(id, due, cancellationToken);

    public Task ScheduleIfAbsentAsync(AuthorizerId id, DateTimeOffset due, CancellationToken cancellationToken) => inner.ScheduleIfAbsentAsync(id, due, cancellationToken);

    public Task<IReadOnlyList<string>> UnscheduledAsync(string componentAppId, IReadOnlyList<string> appIds, CancellationToken cancellationToken) =>
        inner.UnscheduledAsync(componentAppId, appIds, cancellationToken);

    public Task UnscheduleAsync(AuthorizerId id, CancellationToken cancellationToken) => inner.UnscheduleAsync(id, cancellationToken);

    public Task<IReadOnlyList<AuthorizerId>> ClaimDueAsync(string componentAppId, DateTimeOffset now, int max, DateTimeOffset hideUntil, CancellationToken cancellationToken) =>
        inner.ClaimDueAsync(componentAppId, now, max, hideUntil, cancellationToken);

    private static TokenStoreUnavailableException Down() => new("authorizer write failed (injected)");
}
