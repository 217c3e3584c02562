using System.Threading.Channels;
using Grpc.Core;
using TokenCenter.Server.Engine;
using TokenCenter.V1;

namespace TokenCenter.Server.Services;

/// <summary>
/// The <c>tokencenter.v1.TokenCenter</c> service logic, independent of the wire layer: validates
/// requests, calls the <see cref="TokenEngine"/> and maps its failures to gRPC statuses.
/// </summary>
public sealed class TokenCenterService
{
    private readonly TokenEngine _engine;
    private readonly TimeProvider _time;
    private readonly Operations.ForcedRefreshAudit? _audit;
    private Task<Token>? _lastAnswer;

    /// <summary>Creates the service over <paramref name="engine"/>; forced refreshes are recorded in <paramref name="audit"/> when given.</summary>
    public TokenCenterService(TokenEngine engine, TimeProvider time, Operations.ForcedRefreshAudit? audit = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(time);
        _engine = engine;
        _time = time;
        _audit = audit;
    }

    /// <summary>GetToken: the current token; never waits on WeChat when a valid token is held.</summary>
    public Task<Token> GetToken(GetTokenRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (NeedsLoading(request.Key))
        {
            return LoadThenAsync(request.Key, context, () => GetToken(request, context));
        }

        var key = KeyValidator.Validate(request.Key, "key", _engine);
        var pending = _engine.GetAsync(key, context.CancellationToken);
        return pending.IsCompletedSuccessfully
            ? Completed(pending.Result)
            : GrpcStatusMapping.Run(context, _time, _ => pending.AsTask());
    }

    /// <summary>ForceRefresh: compare-and-refresh of a value WeChat rejected.</summary>
    public Task<Token> ForceRefresh(ForceRefreshRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (NeedsLoading(request.Key))
        {
            return LoadThenAsync(request.Key, context, () => ForceRefresh(request, context));
        }

        var key = KeyValidator.Validate(request.Key, "key", _engine);
        if (string.IsNullOrEmpty(request.StaleValue))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "stale_value is required"));
        }

        var forced = GrpcStatusMapping.Run(context, _time, ct => _engine.ForceRefreshAsync(key, request.StaleValue, ct));
        return _audit is null ? forced : AuditedAsync(forced, key, Security.CallerName.Of(context), _engine.HeldVersion(key));
    }

    private async Task<Token> AuditedAsync(Task<Token> forced, TokenSlotKey key, string caller, long heldBefore)
    {
        try
        {
            var token = await forced.ConfigureAwait(false);
            _audit!.Record(caller, key, Operations.ForcedRefreshAudit.OutcomeOf(heldBefore, token), token.Version);
            return token;
        }
        catch (RpcException ex)
        {
            var outcome = ex.StatusCode == StatusCode.ResourceExhausted ? Operations.ForcedRefreshAudit.RefusedByQuota : "failed: " + ex.StatusCode;
            _audit!.Record(caller, key, outcome, 0);
            throw;
        }
    }

    /// <summary>WatchTokens: the current token of each key, then every new one, until the caller cancels or the server stops.</summary>
    public async Task WatchTokens(WatchTokensRequest request, IServerStreamWriter<Token> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        if (request.Keys.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "keys must name at least one key"));
        }

        foreach (var k in request.Keys.Where(NeedsLoading))
        {
            await _engine.EnsureKeyAsync(TokenSlotKey.FromProto(k), context.CancellationToken).ConfigureAwait(false);
        }

        var keys = request.Keys.Select((k, i) => KeyValidator.Validate(k, $"keys[{i}]", _engine)).Distinct().ToList();
        var ct = context.CancellationToken;
        var merged = Channel.CreateBounded<Token>(new BoundedChannelOptions(16) { SingleReader = true });
        var pumps = keys.Select(key => PumpAsync(key, merged.Writer, ct)).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(_ => merged.Writer.TryComplete(), TaskScheduler.Default);
        try
        {
            await foreach (var token in merged.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(token, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw GrpcStatusMapping.Map(new OperationCanceledException(ct), context, _time)!;
        }

        if (ct.IsCancellationRequested)
        {
            throw GrpcStatusMapping.Map(new OperationCanceledException(ct), context, _time)!;
        }

        throw new RpcException(new Status(StatusCode.Unavailable, "the server is shutting down; reconnect"));
    }

    /// <summary>GetStatus: health of every configured key; never a token value.</summary>
    public Task<StatusReply> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return _audit is null ? GrpcStatusMapping.Run(context, _time, ct => _engine.GetStatusAsync(ct)) : StatusWithAuditAsync(context);
    }

    private async Task<StatusReply> StatusWithAuditAsync(ServerCallContext context)
    {
        var reply = await GrpcStatusMapping.Run(context, _time, ct => _engine.GetStatusAsync(ct)).ConfigureAwait(false);
        reply.RecentForcedRefreshes.AddRange(_audit!.Recent());
        return reply;
    }

    // The engine answers the same message instance for one version of a key: the last completed task
    // is reused while that holds, instead of allocating one per call.
    private Task<Token> Completed(Token token)
    {
        var last = Volatile.Read(ref _lastAnswer);
        if (last is null || !ReferenceEquals(last.Result, token))
        {
            last = Task.FromResult(token);
            Volatile.Write(ref _lastAnswer, last);
        }

        return last;
    }

    // Dynamic keys (authorizers, JS-SDK tickets) may be held by the store but not yet by this replica.
    private bool NeedsLoading(TokenKey? key) =>
        key is { Kind: TokenKind.AuthorizerAccessToken or TokenKind.JsapiTicket or TokenKind.WxCardTicket } && !_engine.IsConfigured(TokenSlotKey.FromProto(key));

    private async Task<T> LoadThenAsync<T>(TokenKey key, ServerCallContext context, Func<Task<T>> then)
    {
        var loaded = await GrpcStatusMapping.Run(context, _time, async ct =>
        {
            try
            {
                return await _engine.EnsureKeyAsync(TokenSlotKey.FromProto(key), ct).ConfigureAwait(false);
            }
            catch (TokenStoreUnavailableException ex)
            {
                throw new TokenUnavailableException($"the token store is unavailable: {ex.Reason}", ex);
            }
        }).ConfigureAwait(false);
        if (!loaded)
        {
            KeyValidator.Validate(key, "key", _engine); // INVALID_ARGUMENT or NOT_FOUND
        }

        return await then().ConfigureAwait(false);
    }

    private async Task PumpAsync(TokenSlotKey key, ChannelWriter<Token> writer, CancellationToken ct)
    {
        try
        {
            await foreach (var token in _engine.WatchAsync(key, ct).ConfigureAwait(false))
            {
                await writer.WriteAsync(token, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }
}
