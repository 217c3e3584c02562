using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace TokenCenter.Server.Platform;

/// <summary>
/// Token bucket (System.Threading.RateLimiting) limiting <c>api_authorizer_token</c> calls of this replica to
/// <c>TokenCenter:Platform:AuthorizerRefreshRate</c> per second (burst <c>AuthorizerRefreshBurst</c>). It is
/// replenished from the <see cref="TimeProvider"/> (not a wall-clock timer), so simulated time drives it too.
/// </summary>
internal sealed class AuthorizerRateLimiter : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private readonly TokenBucketRateLimiter _bucket;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly int _maxPeriods;
    private DateTimeOffset _last;

    public AuthorizerRateLimiter(IOptions<PlatformOptions> options, TimeProvider time)
    {
        var p = options.Value.Platform;
        _time = time;
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = p.Burst,
            TokensPerPeriod = p.AuthorizerRefreshRate,
            ReplenishmentPeriod = Period,
            AutoReplenishment = false,
            QueueLimit = 0,
        });
        _maxPeriods = (p.Burst / p.AuthorizerRefreshRate) + 1;
        _last = time.GetUtcNow();
    }

    /// <summary>Permits available now.</summary>
    public int Available
    {
        get
        {
            Replenish();
            return (int)(_bucket.GetStatistics()?.CurrentAvailablePermits ?? 0);
        }
    }

    /// <summary>Takes one permit, waiting (on the <see cref="TimeProvider"/>) for replenishment when none is left.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Replenish();
            using var lease = _bucket.AttemptAcquire(1);
            if (lease.IsAcquired)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _bucket.Dispose();

    private void Replenish()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var periods = (long)((now - _last) / Period);
            if (periods <= 0)
            {
                return;
            }

            _last += Period * periods;
            for (var i = 0; i < Math.Min(periods, _maxPeriods); i++)
            {
                _bucket.TryReplenish();
            }
        }
    }
}
