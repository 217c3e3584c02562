using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.V1;

namespace TokenCenter.Server.Platform;

/// <summary>
/// Proactive refresh of authorizer tokens without a timer per authorizer: every <c>SchedulerInterval</c> it claims
/// the due entries of the due sets of the components this replica is configured with (<c>{p}:due:{component}</c>;
/// entries of other components are never touched), at most as many as the rate limiter allows, refreshes them, and
/// puts each back at <c>expires_at - AuthorizerAhead - random(AuthorizerJitter)</c>. A claim hides the entry from
/// other replicas for <c>ClaimLease</c>, so each refresh runs once across replicas. Each pass first writes back what
/// is held only in memory (rotated refresh tokens, redeemed authorizations, tokens whose write failed); at start and every
/// <c>RescheduleInterval</c> the due sets are rebuilt from the authorizer records, so no authorized account stays
/// unscheduled, and slots of accounts no longer stored (a missed removal event) are dropped.
/// </summary>
internal sealed class AuthorizerRefreshScheduler(
    TokenEngine engine,
    AuthorizerRegistry registry,
    AuthorizerTokenSource source,
    IAuthorizerStore authorizers,
    ITokenStore tokens,
    ComponentCatalog components,
    AuthorizerRateLimiter limiter,
    IOptions<PlatformOptions> options,
    TimeProvider time,
    ILogger<AuthorizerRefreshScheduler> logger) : BackgroundService
{
    private const int RebuildPage = 500;
    private readonly PlatformSettings _settings = options.Value.Platform;
    private DateTimeOffset _nextRebuild = DateTimeOffset.MinValue;
    private int _nextComponent;

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
                // Logged by the store (rate-limited); the due sets are still there when it answers again.
                await Task.Delay(_settings.SchedulerInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                PlatformLog.SchedulerFailed(logger, ex);
                await Task.Delay(_settings.SchedulerInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One pass: writes back what is held in memory, rebuilds the schedule when it is time, then claims what is due
    /// (within the rate limit) and refreshes it. Returns how many were claimed.
    /// </summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await source.FlushPendingAsync(cancellationToken).ConfigureAwait(false);
        await registry.FlushPendingAsync(cancellationToken).ConfigureAwait(false);
        await engine.WriteBackPendingAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (now >= _nextRebuild)
        {
            _nextRebuild = now + _settings.SchedulerInterval; // a failed rebuild is tried again next pass
            await RebuildAsync(cancellationToken).ConfigureAwait(false);
            _nextRebuild = now + _settings.RescheduleInterval;
        }

        var budget = limiter.Available;
        if (budget <= 0 || components.All.Count == 0)
        {
            return 0;
        }

        // Components in turn, so one with a long backlog does not starve the others.
        var all = components.All.ToArray();
        var first = _nextComponent++ % all.Length;
        var claimed = new List<AuthorizerId>();
        for (var i = 0; i < all.Length && claimed.Count < budget; i++)
        {
            var component = all[(first + i) % all.Length].ComponentAppId;
            claimed.AddRange(await authorizers.ClaimDueAsync(component, now, budget - claimed.Count, now + _settings.ClaimLease, cancellationToken).ConfigureAwait(false));
        }

        if (claimed.Count > 0)
        {
            await Task.WhenAll(claimed.Select(id => RefreshOneAsync(id, cancellationToken))).ConfigureAwait(false);
        }

        return claimed.Count;
    }

    /// <summary>
    /// Puts every stored authorizer that is not waiting for re-authorization and has no due entry back into its due
    /// set (at its stored token's due time, or now), and drops this replica's slots of authorizers no longer stored.
    /// </summary>
    internal async Task RebuildAsync(CancellationToken cancellationToken)
    {
        foreach (var component in components.All)
        {
            // This replica's slots of the component in app id order, merged with the stored pages (in the same order) to
            // find those no longer stored: references to the slots' own app ids, no copy of every stored app id.
            var held = engine.DynamicSlots
                .Where(s => s.Key.Kind == TokenKind.AuthorizerAccessToken && s.Key.ComponentAppId == component.ComponentAppId)
                .Select(s => s.Key.AppId)
                .ToArray();
            Array.Sort(held, StringComparer.Ordinal);
            var gone = new List<string>();
            var nextHeld = 0;
            int checkedCount = 0, added = 0;
            string? after = null;
            while (true)
            {
                var page = await authorizers.ListAsync(component.ComponentAppId, after, RebuildPage, cancellationToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    break;
                }

                checkedCount += page.Count;
                foreach (var record in page)
                {
                    while (nextHeld < held.Length && string.CompareOrdinal(held[nextHeld], record.AppId) < 0)
                    {
                        gone.Add(held[nextHeld++]);
                    }

                    if (nextHeld < held.Length && held[nextHeld] == record.AppId)
                    {
                        nextHeld++;
                    }
                }

                var missing = await authorizers.UnscheduledAsync(component.ComponentAppId, [.. page.Where(r => !r.NeedsReauthorization).Select(r => r.AppId)], cancellationToken).ConfigureAwait(false);
                foreach (var appId in missing)
                {
                    var key = AuthorizerTokenSource.KeyOf(component.ComponentAppId, appId);
                    var due = await DueOfAsync(key, cancellationToken).ConfigureAwait(false);
                    await authorizers.ScheduleIfAbsentAsync(new AuthorizerId(component.ComponentAppId, appId), due, cancellationToken).ConfigureAwait(false);
                    added++;
                }

                if (page.Count < RebuildPage)
                {
                    break;
                }

                after = page[^1].AppId;
            }

            gone.AddRange(held.AsSpan(nextHeld));
            foreach (var appId in gone)
            {
                // Held since before the listing and not listed: removed while this replica missed the event (checked once
                // more, as it may have been authorized again meanwhile).
                var key = AuthorizerTokenSource.KeyOf(component.ComponentAppId, appId);
                if (!registry.IsPending(key) && await authorizers.GetAsync(component.ComponentAppId, appId, cancellationToken).ConfigureAwait(false) is null)
                {
                    engine.RemoveDynamicSlot(key);
                    source.ClearState(key);
                }
            }

            if (added > 0)
            {
                PlatformLog.ScheduleRebuilt(logger, component.ComponentAppId, checkedCount, added);
            }
        }
    }

    /// <summary>
    /// When an unscheduled authorizer is due: by the token held or stored, now when there is none. A token still in the
    /// first half of its lifetime may be one of many imported together: its first refresh is spread
    /// (<see cref="FirstRefreshSpread"/>); an older one is due in its normal window.
    /// </summary>
    private async Task<DateTimeOffset> DueOfAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (engine.TryGetSlot(key, out var slot) && slot.State?.Token is { } held && held.IsValidAt(now))
        {
            return FirstRefreshSpread.Due(held, _settings.AuthorizerAhead, now, Random.Shared.NextDouble()) ?? engine.ComputeDue(slot, held);
        }

        var token = await tokens.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (token is null || !token.IsValidAt(now))
        {
            return now;
        }

        if (FirstRefreshSpread.Due(token, _settings.AuthorizerAhead, now, Random.Shared.NextDouble()) is { } first)
        {
            return first;
        }

        var due = token.ExpiresAt - _settings.AuthorizerAhead - (_settings.AuthorizerJitter * Random.Shared.NextDouble());
        return due > now ? due : now;
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
            if (slot.State?.Token is { } held && now < held.ObtainedAt + ((held.ExpiresAt - held.ObtainedAt) / 2))
            {
                // Refreshed meanwhile (forced refresh, another replica): no due time is ever set inside the first half
                // of a token's lifetime (the spread first refresh starts at half), so only move the due time.
                await authorizers.ScheduleAsync(id, engine.ComputeDue(slot, held), cancellationToken).ConfigureAwait(false);
                return;
            }

            var state = await engine.RefreshAsync(slot).WaitAsync(cancellationToken).ConfigureAwait(false);
            var due = engine.ComputeDue(slot, state.Token);
            now = time.GetUtcNow();
            if (due <= now)
            {
                // WeChat answered the token already held: asking at the next pass would get it again. Ask again
                // after half the time it has left, between the shortest and the longest retry delay.
                var half = (state.Token.ExpiresAt - now) / 2;
                var longest = engine.Backoff(int.MaxValue);
                var shortest = engine.Backoff(1);
                due = now + (half > longest ? longest : half < shortest ? shortest : half);
            }

            await authorizers.ScheduleAsync(id, due, cancellationToken).ConfigureAwait(false);
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
