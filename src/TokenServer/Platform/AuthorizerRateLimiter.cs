using Microsoft.Extensions.Options;

namespace TokenCenter.Server.Platform;

/// <summary>
/// Token bucket limiting <c>api_authorizer_token</c> calls of this replica to
/// <c>TokenCenter:Platform:AuthorizerRefreshRate</c> per second (burst <c>AuthorizerRefreshBurst</c>), refilled
/// from the <see cref="TimeProvider"/>. (System.Threading.RateLimiting's TokenBucketRateLimiter refills from
/// Stopwatch time even with manual replenishment, so simulated hours would yield no permits; this bucket follows
/// the same model on the injected clock.)
/// </summary>
internal sealed class AuthorizerRateLimiter
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly double _rate;
    private readonly double _burst;
    private double _tokens;
    private DateTimeOffset _last;

    public AuthorizerRateLimiter(IOptions<PlatformOptions> options, TimeProvider time)
    {
        var p = options.Value.Platform;
        _time = time;
        _rate = p.AuthorizerRefreshRate;
        _burst = p.Burst;
        _tokens = _burst;
        _last = time.GetUtcNow();
    }

    /// <summary>Whole permits available now.</summary>
    public int Available
    {
        get
        {
            lock (_gate)
            {
                Refill();
                return (int)_tokens;
            }
        }
    }

    /// <summary>Takes one permit, waiting (on the <see cref="TimeProvider"/>) for the refill when none is left.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                Refill();
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return;
                }

                wait = TimeSpan.FromSeconds((1 - _tokens) / _rate);
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Refill()
    {
        var now = _time.GetUtcNow();
        if (now > _last)
        {
            _tokens = Math.Min(_burst, _tokens + ((now - _last).TotalSeconds * _rate));
            _last = now;
        }
    }
}
