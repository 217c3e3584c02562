namespace TokenCenter.Client;

/// <summary>
/// Options of the TokenCenter client (configuration section <c>TokenCenterClient</c> when bound from
/// configuration). Validated at start; each error names its key.
/// </summary>
public sealed class TokenCenterClientOptions
{
    /// <summary>The configuration section <see cref="Microsoft.Extensions.DependencyInjection.TokenCenterClientServiceCollectionExtensions.AddTokenCenterClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/> reads.</summary>
    public const string SectionName = "TokenCenterClient";

    /// <summary>
    /// gRPC addresses of the TokenCenter replicas, e.g. <c>http://tokencenter-1:5001</c> (h2c) or
    /// <c>https://…</c>. Calls are spread over them round-robin and fail over on UNAVAILABLE,
    /// DEADLINE_EXCEEDED or a refused connection. Required: at least one absolute http/https URI.
    /// </summary>
    public IList<string> Addresses { get; set; } = [];

    /// <summary>API key sent as <c>authorization: Bearer …</c> metadata on every call. Default: none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Deadline of one unary call to one server (a failover to the next server gets a new one). Default 5 seconds.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A cached token is served only while more than this remains before its expiry; past that the
    /// client asks the server (and fails rather than serve an expired token). Default 30 seconds.
    /// </summary>
    public TimeSpan ExpirySafetyMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// While the push stream is down, a cached token is re-checked with a unary GetToken at most this
    /// often (when the check fails, the cached token is served until its expiry). Default 5 seconds.
    /// </summary>
    public TimeSpan FallbackPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First delay before reconnecting the push stream after every server failed once (doubles per failure, with jitter). Default 1 second.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between reconnection attempts of the push stream. Default 30 seconds.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The handler gRPC calls are sent with (e.g. a <see cref="SocketsHttpHandler"/> with client
    /// certificates, or a test handler). Default: one HTTP/2 <see cref="SocketsHttpHandler"/> per address.
    /// When set, it is shared by all addresses and not disposed by the client.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"TokenCenterClientOptions {{ Addresses = [{string.Join(", ", Addresses)}], ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "<unset>" : "***")}, CallTimeout = {CallTimeout} }}";
}
