using System.Collections.Concurrent;
using TokenCenter.Server.Upstream;

namespace TokenServer.Tests.Support;

/// <summary>Hand-written fake of the WeChat boundary: issues "tok-N" tokens, records calls, can hold or fail them.</summary>
internal sealed class FakeWeChat : IWeChatTokenClient
{
    private int _issued;

    public ConcurrentQueue<(string AppId, bool Force)> CallLog { get; } = new();

    public int Calls => CallLog.Count;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>When set, answers this (instead of a new token) to every call.</summary>
    public Func<AppCredentials, bool, UpstreamTokenResult?>? Override { get; set; }

    /// <summary>When set, every call waits for this task first.</summary>
    public Task? Gate { get; set; }

    public string LastIssued => $"tok-{_issued}";

    public async Task<UpstreamTokenResult> GetAccessTokenAsync(AppCredentials app, bool forceRefresh, CancellationToken cancellationToken)
    {
        CallLog.Enqueue((app.AppId, forceRefresh));
        if (Gate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }

        if (Override?.Invoke(app, forceRefresh) is { } answer)
        {
            return answer;
        }

        return UpstreamTokenResult.Success($"tok-{Interlocked.Increment(ref _issued)}", Lifetime);
    }
}
