using System.Collections.Concurrent;
using WeChatSimulator.Internal;

namespace WeChatSimulator;

/// <summary>
/// The state of one simulated WeChat API: apps, issued tokens, quotas, counters and faults. Thread-safe.
/// All time comes from <see cref="Time"/>, which tests share with the server under test.
/// </summary>
/// <remarks>
/// Counter endpoint names: <c>token</c>, <c>stable_token</c> (every stable token, forced ones included),
/// <c>stable_token_force</c> (calls / tokens with <c>force_refresh=true</c>), <c>ticket_jsapi</c>,
/// <c>ticket_wx_card</c>, <c>get_api_domain_ip</c>; third-party platform (see <c>WeChatSim.Components.cs</c>):
/// <c>api_component_token</c>, <c>api_start_push_ticket</c>, <c>api_create_preauthcode</c>, <c>api_query_auth</c>
/// and <c>component_verify_ticket</c> per component appid, <c>api_authorizer_token</c> per authorizer appid.
/// </remarks>
public sealed partial class WeChatSim
{
    /// <summary>Counter name of <c>GET /cgi-bin/token</c>.</summary>
    public const string TokenEndpoint = "token";

    /// <summary>Counter name of <c>POST /cgi-bin/stable_token</c> (all calls; forced ones too).</summary>
    public const string StableTokenEndpoint = "stable_token";

    /// <summary>Counter name of <c>POST /cgi-bin/stable_token</c> calls with <c>force_refresh=true</c>.</summary>
    public const string StableTokenForceEndpoint = "stable_token_force";

    /// <summary>Counter name of <c>GET /cgi-bin/get_api_domain_ip</c>.</summary>
    public const string ApiDomainIpEndpoint = "get_api_domain_ip";

    private readonly ConcurrentDictionary<string, AppState> _apps = new(StringComparer.Ordinal);
    private readonly TokenRegistry _tokens = new();
    private readonly CallCounters _counters = new();

    /// <summary>Creates a simulator for <paramref name="options"/> (validated here) on the clock <paramref name="time"/>.</summary>
    public WeChatSim(SimulatorOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        Options = options;
        Time = time;
        foreach (var app in options.Apps)
        {
            AddApp(app);
        }

        foreach (var component in options.Components)
        {
            AddComponent(component);
        }
    }

    /// <summary>The clock of the simulator (a <see cref="ManualClock"/> in tests).</summary>
    public TimeProvider Time { get; }

    /// <summary>The options the simulator was created with.</summary>
    public SimulatorOptions Options { get; }

    /// <summary>Faults to inject; settable at run time.</summary>
    public SimulatorFaults Faults { get; } = new();

    /// <summary>The apps currently known.</summary>
    public IReadOnlyList<SimulatedApp> Apps => [.. _apps.Values.Select(a => a.App).OrderBy(a => a.AppId, StringComparer.Ordinal)];

    /// <summary>Credentials newly issued for <paramref name="appId"/> by <paramref name="endpoint"/> (see the counter names on the class).</summary>
    public int IssuedTokens(string appId, string endpoint) => _counters.IssuedCount(appId, endpoint);

    /// <summary>All calls to <paramref name="endpoint"/> for <paramref name="appId"/>, errors included.</summary>
    public int Calls(string appId, string endpoint) => _counters.Calls(appId, endpoint);

    /// <summary>Access tokens issued for the app by <c>token</c> and <c>stable_token</c> together.</summary>
    public int TotalIssuedTokens(string appId) =>
        IssuedTokens(appId, TokenEndpoint) + IssuedTokens(appId, StableTokenEndpoint);

    /// <summary>
    /// The business-API check of an access token. Returns the owning app id and <paramref name="errcode"/> 0
    /// when the token works now; otherwise null and 40014 (unknown/missing), 40001 (superseded past its
    /// grace, or force-refreshed) or 42001 (expired).
    /// </summary>
    public string? ValidateAccessToken(string token, out int errcode)
    {
        var record = _tokens.Find(token);
        if (record is null)
        {
            errcode = WeChatErrors.InvalidAccessToken;
            return null;
        }

        errcode = record.Check(Time.GetUtcNow());
        return errcode == 0 ? record.AppId : null;
    }

    /// <summary>Adds an app, or replaces the secret / test flag of a known one (its tokens and quotas stay).</summary>
    public void AddApp(SimulatedApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrEmpty(app.AppId);
        ArgumentException.ThrowIfNullOrEmpty(app.Secret);
        var state = _apps.GetOrAdd(app.AppId, _ => new AppState(app, Options));
        lock (state.Gate)
        {
            state.App = app;
        }
    }

    /// <summary>Sets every call and issue counter back to zero (quotas and tokens are kept).</summary>
    public void ResetCounters() => _counters.Clear();

    internal IReadOnlyList<(string AppId, string Endpoint, int Calls, int Issued)> CounterSnapshot() => _counters.Snapshot();

    internal TokenRecord? FindToken(string? token) => _tokens.Find(token);

    private TokenRecord Issue(AppState state, TokenKind kind, DateTimeOffset now)
    {
        var record = new TokenRecord(TokenGenerator.NewAccessToken(), state.App.AppId, kind, now, now + Options.TokenLifetime);
        _tokens.Add(record);
        return record;
    }

    /// <summary>
    /// Checks shared by both token endpoints, in this order: -1 busy (fault), 41002, 40002, 41004, 40013,
    /// per-app forced code (fault), 40125, 40164 (fault), 45009 (fault).
    /// </summary>
    private int Authenticate(string? grantType, string? appId, string? secret, out AppState? state)
    {
        state = null;
        if (Faults.NextIsBusy())
        {
            return WeChatErrors.SystemBusy;
        }

        if (string.IsNullOrEmpty(appId))
        {
            return WeChatErrors.AppIdMissing;
        }

        if (!string.Equals(grantType, "client_credential", StringComparison.Ordinal))
        {
            return WeChatErrors.InvalidGrantType;
        }

        if (string.IsNullOrEmpty(secret))
        {
            return WeChatErrors.AppSecretMissing;
        }

        if (!_apps.TryGetValue(appId, out state))
        {
            return WeChatErrors.InvalidAppId;
        }

        if (Faults.AppErrors.TryGetValue(appId, out var forced) && forced != 0)
        {
            return forced;
        }

        if (!string.Equals(secret, state.App.Secret, StringComparison.Ordinal))
        {
            return WeChatErrors.InvalidAppSecret;
        }

        if (Faults.RejectIp)
        {
            return WeChatErrors.InvalidIp;
        }

        return Faults.IsQuotaExhausted(appId) ? WeChatErrors.DailyQuota : 0;
    }
}
