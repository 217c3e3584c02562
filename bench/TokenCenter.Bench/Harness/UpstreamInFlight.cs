using Microsoft.Extensions.DependencyInjection;

namespace TokenCenter.Bench.Harness;

/// <summary>
/// Counts the replica's WeChat token calls in flight (a handler on its named HttpClient), so that a
/// harness driving a fake clock can hold simulated time still while real loopback I/O is under way.
/// </summary>
internal sealed class UpstreamInFlight
{
    /// <summary>The name of TokenServer's WeChat HttpClient (<c>WeChatTokenClient.HttpClientName</c>).</summary>
    public const string HttpClientName = "TokenCenter.WeChat";

    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Register(IServiceCollection services) =>
        services.AddHttpClient(HttpClientName).AddHttpMessageHandler(() => new Handler(this));

    /// <summary>Waits (real time, bounded) until no upstream call is in flight; false on timeout.</summary>
    public async Task<bool> WaitIdleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(1, cancellationToken);
        }

        return true;
    }

    private sealed class Handler(UpstreamInFlight owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner._count);
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref owner._count);
            }
        }
    }
}
