using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using TokenCenterGrpc = TokenCenter.V1.TokenCenter;

namespace TokenCenter.Client.Internal;

/// <summary>
/// One <see cref="GrpcChannel"/> (Grpc.Net.Client) and generated client per configured address. Unary
/// calls start at the next address round-robin and fail over to the others on UNAVAILABLE (refused
/// connection included) or DEADLINE_EXCEEDED, each server with its own deadline; an address that failed
/// is tried after the healthy ones for a short cooldown.
/// </summary>
internal sealed class ServerPool : IDisposable
{
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(5);
    private readonly Server[] _servers;
    private readonly long[] _downUntil;
    private readonly Metadata? _headers;
    private readonly TimeSpan _callTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _next = -1;
    private int _nextStream = -1;

    public ServerPool(TokenCenterClientOptions options, TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        _callTimeout = options.CallTimeout;
        _servers = [.. options.Addresses.Select(a => new Server(new Uri(a, UriKind.Absolute), options.HttpHandler))];
        _downUntil = new long[_servers.Length];
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            _headers = new Metadata { { "authorization", "Bearer " + options.ApiKey } };
        }
    }

    public int Count => _servers.Length;

    /// <summary>Options of a streaming call: the API key, no deadline.</summary>
    public CallOptions StreamOptions(CancellationToken cancellationToken) => new(_headers, null, cancellationToken);

    /// <summary>The server a new stream should use: the next healthy address in its own rotation.</summary>
    public Server NextForStream() => _servers[Order(ref _nextStream)[0]];

    /// <summary>Marks the address of <paramref name="server"/> as failing for a short while.</summary>
    public void MarkDown(Server server) => _downUntil[Array.IndexOf(_servers, server)] = _time.GetTimestamp() + Ticks(Cooldown);

    /// <summary>Marks the address of <paramref name="server"/> as healthy.</summary>
    public void MarkUp(Server server) => _downUntil[Array.IndexOf(_servers, server)] = 0;

    /// <summary>Calls <paramref name="call"/> on the next address, failing over to the others; throws <see cref="TokenCenterException"/>.</summary>
    public async Task<TResponse> UnaryAsync<TResponse>(string method, Func<TokenCenterGrpc.TokenCenterClient, CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken cancellationToken)
    {
        RpcException? last = null;
        foreach (var index in Order(ref _next))
        {
            var server = _servers[index];
            try
            {
                // gRPC deadlines are wall-clock instants on the wire, hence the system clock here.
                var options = new CallOptions(_headers, TimeProvider.System.GetUtcNow().UtcDateTime + _callTimeout, cancellationToken);
                var response = await call(server.Client, options).ResponseAsync.ConfigureAwait(false);
                _downUntil[index] = 0;
                return response;
            }
            catch (RpcException ex) when (IsFailover(ex.StatusCode) && !cancellationToken.IsCancellationRequested)
            {
                _downUntil[index] = _time.GetTimestamp() + Ticks(Cooldown);
                ClientLog.FailingOver(_logger, method, server.Address, ex.StatusCode, ex.Status.Detail);
                last = ex;
            }
            catch (RpcException ex)
            {
                throw ex.ToClientException(method);
            }
        }

        throw last!.ToClientException(method + (_servers.Length > 1 ? $" (all {_servers.Length} servers)" : string.Empty));
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Channel.Dispose();
        }
    }

    private static bool IsFailover(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded;

    /// <summary>Indices starting at the next one round-robin: healthy addresses first, then those cooling down.</summary>
    private int[] Order(ref int counter)
    {
        var n = _servers.Length;
        var start = (int)((uint)Interlocked.Increment(ref counter) % (uint)n);
        var now = _time.GetTimestamp();
        var order = new int[n];
        var head = 0;
        var tail = n - 1;
        for (var i = 0; i < n; i++)
        {
            var index = (start + i) % n;
            if (Volatile.Read(ref _downUntil[index]) > now)
            {
                order[tail--] = index;
            }
            else
            {
                order[head++] = index;
            }
        }

        // Cooling-down addresses were filled from the end: restore their round-robin order.
        Array.Reverse(order, head, n - head);
        return order;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>One TokenCenter address: its channel and the generated client on it.</summary>
    internal sealed class Server
    {
        public Server(Uri address, HttpMessageHandler? handler)
        {
            Address = address;
            Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = handler ?? new SocketsHttpHandler
                {
                    EnableMultipleHttp2Connections = true,
                    KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                    KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                    KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                },
                // A handler given in the options is shared by every address and owned by the caller.
                DisposeHttpClient = handler is null,
            });
            Client = new TokenCenterGrpc.TokenCenterClient(Channel);
        }

        public Uri Address { get; }

        public GrpcChannel Channel { get; }

        public TokenCenterGrpc.TokenCenterClient Client { get; }
    }
}
