using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Upstream;

namespace TokenCenter.Server.WeChatCompatible;

/// <summary>
/// <c>force_refresh=true</c> on the compatible endpoint: the request names no rejected value, so the center
/// must not take it as a report that its current token was rejected. The current token is answered as it
/// is when it was obtained, or confirmed by WeChat, less than <c>Refresh:ForcedMinInterval</c> ago (the
/// force is satisfied by that rotation: every caller of a fleet reporting the same rejection gets the same
/// new token). Otherwise WeChat is asked once (<see cref="WeChatTokenProbe"/>, one probe in flight per key):
/// accepted, the current token is answered; rejected (40001, 40014, 42001), the engine's compare-and-refresh
/// replaces it; another errcode, nothing is rotated; no answer, -1 (retry).
/// </summary>
internal sealed partial class WeChatCompatibleForceRefresh(
    TokenEngine engine,
    WeChatTokenProbe probe,
    IOptions<TokenCenterOptions> options,
    TimeProvider time,
    ILogger<WeChatCompatibleForceRefresh> logger)
{
    private readonly TimeSpan _grace = options.Value.Refresh.ForcedMinInterval;
    private readonly Lock _gate = new();
    private readonly Dictionary<TokenSlotKey, (string Value, DateTimeOffset At)> _confirmed = [];
    private readonly Dictionary<TokenSlotKey, (string Value, Task<TokenProbeResult> Probe)> _probes = [];

    /// <exception cref="UpstreamUnavailableException">WeChat did not answer the probe, or refused the refresh.</exception>
    /// <exception cref="ForcedRefreshBudgetExceededException">The token was rejected and the forced-refresh budget refused to replace it yet.</exception>
    public async Task<TokenCenter.V1.Token> RefreshAsync(TokenSlotKey key, CancellationToken cancellationToken)
    {
        var current = await engine.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (IsRecent(key, current))
        {
            return current;
        }

        var result = await ProbeAsync(key, current.Value).WaitAsync(cancellationToken).ConfigureAwait(false);
        switch (result.Verdict)
        {
            case TokenProbeVerdict.Accepted:
                lock (_gate)
                {
                    _confirmed[key] = (current.Value, time.GetUtcNow());
                }

                return current;
            case TokenProbeVerdict.Rejected:
                LogRejected(logger, key, result.ErrCode);
                return await engine.ForceRefreshAsync(key, current.Value, cancellationToken).ConfigureAwait(false);
            case TokenProbeVerdict.Inconclusive:
                LogInconclusive(logger, key, result.ErrCode);
                return current;
            default:
                throw new UpstreamUnavailableException(-1, "WeChat did not answer whether the current token is rejected");
        }
    }

    private bool IsRecent(TokenSlotKey key, TokenCenter.V1.Token current)
    {
        var now = time.GetUtcNow();
        if (now - current.ObtainedAt.ToDateTimeOffset() < _grace)
        {
            return true;
        }

        lock (_gate)
        {
            return _confirmed.TryGetValue(key, out var c) && c.Value == current.Value && now - c.At < _grace;
        }
    }

    /// <summary>One probe in flight per key and value; it runs to its own timeout whoever waits for it.</summary>
    private Task<TokenProbeResult> ProbeAsync(TokenSlotKey key, string value)
    {
        lock (_gate)
        {
            if (_probes.TryGetValue(key, out var running) && running.Value == value)
            {
                return running.Probe;
            }

            var task = RunProbeAsync(key, value);
            _probes[key] = (value, task);
            return task;
        }
    }

    private async Task<TokenProbeResult> RunProbeAsync(TokenSlotKey key, string value)
    {
        await Task.Yield();
        try
        {
            return await probe.CheckAsync(key.AppId, value, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                if (_probes.TryGetValue(key, out var entry) && entry.Value == value)
                {
                    _probes.Remove(key);
                }
            }
        }
    }

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "WeChat-compatible force_refresh for {Key}: WeChat rejects the current token (errcode {ErrCode}); replacing it")]
    private static partial void LogRejected(ILogger logger, TokenSlotKey key, int errCode);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "WeChat-compatible force_refresh for {Key}: WeChat's check of the current token answered errcode {ErrCode}; not rotating it (use ForceRefresh with the rejected value)")]
    private static partial void LogInconclusive(ILogger logger, TokenSlotKey key, int errCode);
}
