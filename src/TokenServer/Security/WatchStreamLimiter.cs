using Grpc.Core;

namespace TokenCenter.Server.Security;

/// <summary>Counts open WatchTokens streams per caller and refuses one over the limit with RESOURCE_EXHAUSTED.</summary>
internal sealed class WatchStreamLimiter(int limit)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    public IDisposable Enter(string caller)
    {
        lock (_gate)
        {
            var open = _open.GetValueOrDefault(caller);
            if (open >= limit)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"too many WatchTokens streams for this caller: {open} open, the limit is {limit} (Limits:WatchStreamsPerCaller)"));
            }

            _open[caller] = open + 1;
        }

        return new Release(this, caller);
    }

    private void Exit(string caller)
    {
        lock (_gate)
        {
            var open = _open.GetValueOrDefault(caller) - 1;
            if (open <= 0)
            {
                _open.Remove(caller);
            }
            else
            {
                _open[caller] = open;
            }
        }
    }

    private sealed class Release(WatchStreamLimiter owner, string caller) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Exit(caller);
            }
        }
    }
}
