using System.Globalization;
using Grpc.Core;
using TokenCenter.Server.Engine;

namespace TokenCenter.Server.Services;

/// <summary>Maps engine exceptions to gRPC statuses with precise messages (never a secret or a token).</summary>
internal static class GrpcStatusMapping
{
    /// <summary>Trailer carrying the forced-refresh budget's retry delay in milliseconds.</summary>
    public const string RetryAfterTrailer = "retry-after-ms";

    public static async Task<T> Run<T>(ServerCallContext context, TimeProvider time, Func<CancellationToken, Task<T>> call)
    {
        try
        {
            return await call(context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Map(ex, context, time) is { } rpc)
        {
            throw rpc;
        }
    }

    public static RpcException? Map(Exception ex, ServerCallContext context, TimeProvider time) => ex switch
    {
        RpcException => null,
        UnknownTokenKeyException u => new RpcException(new Status(StatusCode.NotFound, u.Message)),
        UpstreamUnavailableException u => new RpcException(new Status(StatusCode.Unavailable, $"WeChat answered errcode {u.ErrCode}: {u.ErrMsg}")),
        TokenUnavailableException t => new RpcException(new Status(StatusCode.Unavailable, t.Message)),
        // The reason only: the full diagnostics (endpoints, connection state) are in the server log.
        TokenStoreUnavailableException s => new RpcException(new Status(StatusCode.Unavailable, $"the token store is unavailable: {s.Reason}")),
        ForcedRefreshBudgetExceededException q => BudgetExceeded(q),
        // Deadlines are wall-clock (grpc-timeout), whatever clock token lifetimes run on.
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => TimeProvider.System.GetUtcNow().UtcDateTime >= context.Deadline
            ? new RpcException(new Status(StatusCode.DeadlineExceeded, "the deadline passed before a token was available"))
            : new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled")),
        _ => null,
    };

    private static RpcException BudgetExceeded(ForcedRefreshBudgetExceededException q)
    {
        var trailers = new Metadata
        {
            { RetryAfterTrailer, ((long)Math.Ceiling(q.RetryAfter.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) },
        };
        var message = $"forced refresh of {q.Key} refused by the forced-refresh budget ({q.Reason}); retry after {ForcedRefreshBudgetExceededException.Seconds(q.RetryAfter)} s";
        return new RpcException(new Status(StatusCode.ResourceExhausted, message), trailers);
    }
}
