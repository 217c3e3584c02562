using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WeChatSimulator.Internal;

namespace WeChatSimulator;

/// <summary>
/// Plays WeChat's side of the third-party platform's callback URL: generates component_verify_tickets and
/// authorization changes in the <see cref="WeChatSim"/>, encrypts and signs them with the component's
/// EncodingAESKey and token (<see cref="WeChatMessageCrypto"/>), and POSTs them to
/// <see cref="SimulatedComponent.CallbackUrl"/> with <c>?timestamp&amp;nonce&amp;encrypt_type=aes&amp;msg_signature</c>.
/// The callback URL is read at posting time, so it may be set (<see cref="WeChatSim.SetComponentCallback"/>) after start.
/// </summary>
public sealed class SimulatorPushDriver : IAsyncDisposable, IDisposable
{
    private readonly WeChatSim _sim;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Periodic? _periodic;
    private PushResult? _lastPush;

    /// <summary>Creates a driver for <paramref name="sim"/> posting through <paramref name="httpClient"/> (not disposed by the driver).</summary>
    public SimulatorPushDriver(WeChatSim sim, HttpClient httpClient, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(sim);
        ArgumentNullException.ThrowIfNull(httpClient);
        _sim = sim;
        _http = httpClient;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The outcome of the most recent post (any event, periodic ones included); null before the first.</summary>
    public PushResult? LastPush => Volatile.Read(ref _lastPush);

    /// <summary>Whether the periodic push runs.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _periodic is not null;
            }
        }
    }

    /// <summary>
    /// Generates a new component_verify_ticket (now the latest; see <see cref="WeChatSim.LatestVerifyTicket"/>) and
    /// posts it. Never throws for delivery problems: they are in the result.
    /// </summary>
    /// <exception cref="InvalidOperationException">The component is unknown.</exception>
    public Task<PushResult> PushTicketAsync(string componentAppId, CancellationToken cancellationToken = default) =>
        DeliverAsync(_sim.NewVerifyTicket(componentAppId), cancellationToken);

    /// <summary>
    /// The account <paramref name="authorizerAppId"/> authorizes the component: creates the authorizer and a single-use
    /// authorization code (valid <see cref="SimulatorOptions.AuthorizationCodeLifetime"/>), posts the <c>authorized</c>
    /// event (AuthorizerAppid, AuthorizationCode, AuthorizationCodeExpiredTime, PreAuthCode) and returns the code.
    /// <paramref name="preAuthCode"/>, when given, must be an unused code from <c>api_create_preauthcode</c> (it is
    /// consumed); otherwise one is made up. The outcome of the post is in <see cref="LastPush"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Unknown component, or a bad <paramref name="preAuthCode"/>.</exception>
    public async Task<string> AuthorizeAsync(string componentAppId, string authorizerAppId, string? preAuthCode = null, CancellationToken cancellationToken = default) =>
        (await AuthorizeCoreAsync(componentAppId, authorizerAppId, preAuthCode, update: false, cancellationToken).ConfigureAwait(false)).Code;

    /// <summary>
    /// As <see cref="AuthorizeAsync"/> (or <see cref="UpdateAuthorizedAsync"/> when <paramref name="update"/>), answering
    /// the outcome of this very post (<see cref="LastPush"/> may be another's when pushes run concurrently).
    /// </summary>
    public async Task<PushResult> AuthorizePushAsync(string componentAppId, string authorizerAppId, bool update = false, CancellationToken cancellationToken = default) =>
        (await AuthorizeCoreAsync(componentAppId, authorizerAppId, preAuthCode: null, update, cancellationToken).ConfigureAwait(false)).Push;

    /// <summary>An authorized account changes its grant: posts <c>updateauthorized</c> with a new authorization code and returns it.</summary>
    /// <exception cref="InvalidOperationException">Unknown component, or the account has not authorized it.</exception>
    public async Task<string> UpdateAuthorizedAsync(string componentAppId, string authorizerAppId, CancellationToken cancellationToken = default) =>
        (await AuthorizeCoreAsync(componentAppId, authorizerAppId, preAuthCode: null, update: true, cancellationToken).ConfigureAwait(false)).Code;

    /// <summary>
    /// The account unauthorizes the component: its refresh token answers 61023 and its access tokens 40001 from now on;
    /// posts <c>unauthorized</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Unknown component, or the account has not authorized it.</exception>
    public Task<PushResult> UnauthorizeAsync(string componentAppId, string authorizerAppId, CancellationToken cancellationToken = default) =>
        DeliverAsync(_sim.Unauthorize(componentAppId, authorizerAppId), cancellationToken);

    /// <summary>
    /// WeChat's redelivery of an event that was not acknowledged: posts the same sealed message (same timestamp,
    /// nonce and signature) again to the component's current callback URL.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="previous"/> posted nothing.</exception>
    public Task<PushResult> RedeliverAsync(PushResult previous, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var message = previous.Message ?? throw new ArgumentException("Nothing was posted, so there is nothing to redeliver.", nameof(previous));
        return PostAsync(previous.ComponentAppId, previous.InfoType, message, cancellationToken);
    }

    /// <summary>
    /// Starts pushing a new ticket to every component every <paramref name="interval"/> (default
    /// <see cref="SimulatorOptions.TicketPushInterval"/>) of the simulator's clock. Tickets are generated when the
    /// timer fires (so one <see cref="ManualClock.Advance"/> of an hour yields six tickets, stamped 10 minutes apart)
    /// and posted in order by one background loop. Calling it while running restarts with the new interval.
    /// </summary>
    public void Start(TimeSpan? interval = null)
    {
        var period = interval ?? _sim.Options.TicketPushInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero, nameof(interval));
        Periodic? previous;
        lock (_gate)
        {
            previous = _periodic;
            _periodic = new Periodic(this, period);
        }

        previous?.Stop();
        SimulatorLog.PeriodicPushStarted(_logger, period);
    }

    /// <summary>Stops the periodic push; posts already generated are abandoned.</summary>
    public async Task StopAsync()
    {
        Periodic? periodic;
        lock (_gate)
        {
            periodic = _periodic;
            _periodic = null;
        }

        if (periodic is not null)
        {
            await periodic.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the periodic push.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Stops the periodic push without waiting for its delivery loop to finish.</summary>
    public void Dispose()
    {
        Periodic? periodic;
        lock (_gate)
        {
            periodic = _periodic;
            _periodic = null;
        }

        periodic?.Stop();
    }

    /// <summary>(Re)authorization with the outcome of its own post (for <c>/_sim/</c>: <see cref="LastPush"/> may already be another's).</summary>
    internal async Task<(string Code, PushResult Push)> AuthorizeCoreAsync(string componentAppId, string authorizerAppId, string? preAuthCode, bool update, CancellationToken cancellationToken)
    {
        var (pushed, code) = _sim.Authorize(componentAppId, authorizerAppId, preAuthCode, update);
        return (code, await DeliverAsync(pushed, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>For <c>api_start_push_ticket</c>: a push that the request does not wait for.</summary>
    internal void PushTicketInBackground(string componentAppId)
    {
        var pushed = _sim.NewVerifyTicket(componentAppId);
        _ = Task.Run(() => DeliverAsync(pushed, CancellationToken.None));
    }

    private async Task<PushResult> DeliverAsync(ComponentEvent pushed, CancellationToken cancellationToken)
    {
        var component = _sim.CurrentComponent(pushed.ComponentAppId);
        if (component.CallbackUrl is not { } url)
        {
            return Record(new PushResult(pushed.ComponentAppId, pushed.InfoType, null, 0, string.Empty));
        }

        if (pushed.InfoType == "component_verify_ticket")
        {
            _sim.CountPush(pushed.ComponentAppId);
        }

        var sealedMessage = new WeChatMessageCrypto(component.EncodingAesKey).Seal(pushed.Xml, component.ComponentAppId, component.Token, pushed.At);
        return await PostAsync(pushed.ComponentAppId, pushed.InfoType, sealedMessage, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PushResult> PostAsync(string componentAppId, string infoType, WeChatEncryptedMessage sealedMessage, CancellationToken cancellationToken)
    {
        if (_sim.CurrentComponent(componentAppId).CallbackUrl is not { } url)
        {
            return Record(new PushResult(componentAppId, infoType, null, 0, string.Empty));
        }

        var target = new UriBuilder(url) { Query = Join(url.Query, sealedMessage.Query) }.Uri;
        try
        {
            using var content = new StringContent(sealedMessage.Body, Encoding.UTF8, "text/xml");
            using var response = await _http.PostAsync(target, content, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var result = Record(new PushResult(componentAppId, infoType, url, (int)response.StatusCode, body) { Message = sealedMessage });
            if (result.Acknowledged)
            {
                SimulatorLog.PushDelivered(_logger, infoType, componentAppId, url, result.StatusCode);
            }
            else
            {
                SimulatorLog.PushNotAcknowledged(_logger, infoType, componentAppId, url, result.StatusCode);
            }

            return result;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            SimulatorLog.PushFailed(_logger, e, infoType, componentAppId, url);
            return Record(new PushResult(componentAppId, infoType, url, 0, string.Empty, e.Message) { Message = sealedMessage });
        }
    }

    private PushResult Record(PushResult result)
    {
        Volatile.Write(ref _lastPush, result);
        return result;
    }

    private static string Join(string existingQuery, string query) =>
        existingQuery.Length > 1 ? existingQuery.TrimStart('?') + "&" + query : query;

    /// <summary>One run of the periodic push: a timer on the simulator's clock feeding one delivery loop.</summary>
    private sealed class Periodic
    {
        private readonly SimulatorPushDriver _driver;
        private readonly Channel<ComponentEvent> _queue = Channel.CreateUnbounded<ComponentEvent>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _stop = new();
        private readonly ITimer _timer;
        private readonly Task _loop;

        public Periodic(SimulatorPushDriver driver, TimeSpan period)
        {
            _driver = driver;
            _loop = Task.Run(DeliverLoopAsync);
            _timer = driver._sim.Time.CreateTimer(static state => ((Periodic)state!).Tick(), this, period, period);
        }

        public void Stop()
        {
            _timer.Dispose();
            _queue.Writer.TryComplete();
            _stop.Cancel();
        }

        public async Task StopAsync()
        {
            Stop();
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }

        private void Tick()
        {
            foreach (var component in _driver._sim.Components)
            {
                try
                {
                    _queue.Writer.TryWrite(_driver._sim.NewVerifyTicket(component.ComponentAppId));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    SimulatorLog.ScheduledPushFailed(_driver._logger, e, component.ComponentAppId);
                }
            }
        }

        private async Task DeliverLoopAsync()
        {
            await foreach (var pushed in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await _driver.DeliverAsync(pushed, _stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
                {
                    SimulatorLog.ScheduledPushFailed(_driver._logger, e, pushed.ComponentAppId);
                }
            }
        }
    }
}
