using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Storage;

namespace TokenCenter.Server.Platform;

/// <summary>
/// Proactive refresh of authorizer tokens without a timer per authorizer: every <c>SchedulerInterval</c> it claims
/// the entries of the shared due set (<c>{p}:due</c>) that are due, at most as many as the rate limiter allows,
/// refreshes them, and puts each back at <c>expires_at - AuthorizerAhead - random(AuthorizerJitter)</c>. A claim
/// hides the entry from other replicas for <c>ClaimLease</c>, so each refresh runs once across replicas.
/// </summary>
internal sealed class AuthorizerRefreshScheduler(
    TokenEngine engine,
    AuthorizerRegistry registry,
    IAuthorizerStore authorizers,
    AuthorizerRateLimiter limiter,
    IOptions<PlatformOptions> options,
    TimeProvider time,
    ILogger<AuthorizerRefreshScheduler> logger) : BackgroundService
{
    private readonly PlatformSettings _settings = options.Value.Platform;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(_settings.SchedulerInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (TokenStoreUnavailableException)
            {
                // Logged by the store (rate-limited); the due set is still there when it answers again.
                await Task.Delay(_settings.SchedulerInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                PlatformLog.SchedulerFailed(logger, ex);
                await Task.Delay(_settings.SchedulerInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One pass: claims what is due (within the rate limit) and refreshes it. Returns how many were claimed.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var budget = limiter.Available;
        if (budget <= 0)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var claimed = await authorizers.ClaimDueAsync(now, budget, now + _settings.ClaimLease, cancellationToken).ConfigureAwait(false);
        if (claimed.Count > 0)
        {
            await Task.WhenAll(claimed.Select(id => RefreshOneAsync(id, cancellationToken))).ConfigureAwait(false);
        }

        return claimed.Count;
    }

    private async Task RefreshOneAsync(AuthorizerId id, CancellationToken cancellationToken)
    {
        var key = AuthorizerTokenSource.KeyOf(id.ComponentAppId, id.AppId);
        try
        {
            if (!await registry.EnsureSlotAsync(key, cancellationToken).ConfigureAwait(false) || !engine.TryGetSlot(key, out var slot))
            {
                await authorizers.UnscheduleAsync(id, cancellationToken).ConfigureAwait(false);
                return;
            }

            var now = time.GetUtcNow();
            if (slot.State?.Token is { } held && held.ExpiresAt - now > _settings.AuthorizerAhead + _settings.AuthorizerJitter)
            {
                // Refreshed meanwhile (forced refresh, another replica): only move the due time.
                await authorizers.ScheduleAsync(id, engine.ComputeDue(slot, held), cancellationToken).ConfigureAwait(false);
                return;
            }

            var state = await engine.RefreshAsync(slot).WaitAsync(cancellationToken).ConfigureAwait(false);
            await authorizers.ScheduleAsync(id, engine.ComputeDue(slot, state.Token), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is UpstreamUnavailableException or TokenUnavailableException or TokenStoreUnavailableException or UnknownTokenKeyException)
        {
            PlatformLog.ScheduledRefreshFailed(logger, key, ex.Message);
            var record = await authorizers.GetAsync(id.ComponentAppId, id.AppId, cancellationToken).ConfigureAwait(false);
            if (record is null || record.NeedsReauthorization)
            {
                await authorizers.UnscheduleAsync(id, cancellationToken).ConfigureAwait(false);
                return;
            }

            var failures = engine.TryGetSlot(key, out var s) ? s.ConsecutiveFailures : 1;
            await authorizers.ScheduleAsync(id, time.GetUtcNow() + engine.Backoff(failures), cancellationToken).ConfigureAwait(false);
        }
    }
}
