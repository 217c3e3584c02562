using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform.Storage;
using TokenCenter.Server.Platform.Upstream;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Platform;

/// <summary>
/// COMPONENT_ACCESS_TOKEN grant: <c>api_component_token</c> with the latest component_verify_ticket. Without a
/// usable ticket WeChat is not asked for a token: <c>api_start_push_ticket</c> is called (at most once per
/// <c>StartPushTicketInterval</c>) and the refresh fails with "waiting for the ticket"; 61005 / 61006 forget the
/// ticket the same way. The next ticket that arrives triggers the refresh (<see cref="PlatformEventHandler"/>).
/// </summary>
internal sealed class ComponentTokenSource : ITokenSource, IKeyStateReporter
{
    private readonly ComponentCatalog _components;
    private readonly IComponentTicketStore _tickets;
    private readonly IPlatformClient _client;
    private readonly RefreshOptions _refresh;
    private readonly PlatformSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TokenSlotKey[] _keys;
    private readonly ConcurrentDictionary<string, string> _states = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastPushRequest = new(StringComparer.Ordinal);

    public ComponentTokenSource(
        ComponentCatalog components,
        IComponentTicketStore tickets,
        IPlatformClient client,
        IOptions<TokenCenterOptions> options,
        IOptions<PlatformOptions> platform,
        TimeProvider time,
        ILogger<ComponentTokenSource> logger)
    {
        _components = components;
        _tickets = tickets;
        _client = client;
        _refresh = options.Value.Refresh;
        _settings = platform.Value.Platform;
        _time = time;
        _logger = logger;
        _keys = [.. components.All.Select(c => KeyOf(c.ComponentAppId))];
    }

    public TokenKind Kind => TokenKind.ComponentAccessToken;

    public IReadOnlyCollection<TokenSlotKey> Keys => _keys;

    public static TokenSlotKey KeyOf(string componentAppId) => new(TokenKind.ComponentAccessToken, componentAppId, string.Empty);

    public string GrantName(TokenSlotKey key) => "component_verify_ticket";

    public RefreshWindow Window(TokenSlotKey key) => new(_refresh.Ahead, _refresh.Jitter);

    public string StateOf(TokenSlotKey key) => _states.GetValueOrDefault(key.ComponentAppId, string.Empty);

    public async Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken)
    {
        var component = _components.Find(key.ComponentAppId) ?? throw new UnknownTokenKeyException(key);
        ComponentTicket? ticket;
        try
        {
            ticket = await _tickets.GetAsync(component.ComponentAppId, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException ex)
        {
            throw new TokenUnavailableException($"the component_verify_ticket of {component.ComponentAppId} cannot be read: the token store is unavailable: {ex.Reason}", ex);
        }

        if (ticket is null)
        {
            var at = await RequestPushAsync(component, cancellationToken).ConfigureAwait(false);
            _states[component.ComponentAppId] = $"waiting for component_verify_ticket; api_start_push_ticket requested at {at:o}";
            throw new TokenUnavailableException($"no component_verify_ticket received yet for {component.ComponentAppId}; a push was requested (api_start_push_ticket)");
        }

        var result = await _client.GetComponentTokenAsync(component.ComponentAppId, component.Secret, ticket.Value, cancellationToken).ConfigureAwait(false);
        if (result.ErrCode is 61005 or 61006)
        {
            // Waiting for the next ticket, not looping on this one: forget it and ask for a push.
            await _tickets.RejectAsync(component.ComponentAppId, ticket.Value, cancellationToken).ConfigureAwait(false);
            await RequestPushAsync(component, cancellationToken).ConfigureAwait(false);
            _states[component.ComponentAppId] = $"ticket rejected ({result.ErrCode.ToString(CultureInfo.InvariantCulture)}): waiting for the next push";
        }
        else if (result.IsSuccess)
        {
            _states[component.ComponentAppId] = $"ticket received at {ticket.ReceivedAt:o}";
        }

        return result;
    }

    /// <summary>Asks WeChat to push a ticket, at most once per interval. Returns when it was (last) requested.</summary>
    private async Task<DateTimeOffset> RequestPushAsync(ComponentCredentials component, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_lastPushRequest.TryGetValue(component.ComponentAppId, out var last) && now - last < _settings.StartPushTicketInterval)
        {
            return last;
        }

        _lastPushRequest[component.ComponentAppId] = now;
        var (errCode, _) = await _client.StartPushTicketAsync(component.ComponentAppId, component.Secret, cancellationToken).ConfigureAwait(false);
        PlatformLog.PushRequested(_logger, component.ComponentAppId, errCode);
        return now;
    }
}
