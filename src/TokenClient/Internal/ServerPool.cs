using Google.Protobuf;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol;
using TokenCenter.Protocol.Client;

namespace TokenCenter.Client.Internal;

/// <summary>
/// One <see cref="GrpcChannel"/> per configured address. Unary calls start at the next address
/// round-robin and fail over to the others on UNAVAILABLE (refused connection included) or
/// DEADLINE_EXCEEDED; an address that failed is tried after the healthy ones for a short cooldown.
/// </summary>
internal sealed class ServerPool : IDisposable
{
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(5);
    private readonly GrpcChannel[] _channels;
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
        var channelOptions = options.HttpHandler is { } handler
            ? new GrpcChannelOptions { HttpHandler = handler, DisposeHttpHandler = false }
            : null;
        _channels = [.. options.Addresses.Select(a => GrpcChannel.ForAddress(new Uri(a.EndsWith('/') ? a : a + "/", UriKind.Absolute), channelOptions))];
        _downUntil = new long[_channels.Length];
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            _headers = new Metadata { { "authorization", "Bearer " + options.ApiKey } };
        }
    }

    public int Count => _channels.Length;

    /// <summary>Options of a streaming call: the API key, no deadline.</summary>
    public CallOptions StreamOptions(CancellationToken cancellationToken) => new(_headers, null, cancellationToken);

    /// <summary>The channel a new stream should use: the next healthy address in its own rotation.</summary>
    public GrpcChannel NextForStream() => _channels[Order(ref _nextStream)[0]];

    /// <summary>Marks the address of <paramref name="channel"/> as failing for a short while.</summary>
    public void MarkDown(GrpcChannel channel) => _downUntil[Array.IndexOf(_channels, channel)] = _time.GetTimestamp() + Ticks(Cooldown);

    /// <summary>Marks the address of <paramref name="channel"/> as healthy.</summary>
    public void MarkUp(GrpcChannel channel) => _downUntil[Array.IndexOf(_channels, channel)] = 0;

    /// <summary>Calls <paramref name="method"/> on the next address, failing over to the others; throws <see cref="TokenCenterException"/>.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        RpcException? last = null;
        foreach (var index in Order(ref _next))
        {
            var channel = _channels[index];
            try
            {
                // gRPC deadlines are wall-clock instants on the wire, hence the system clock here.
                var options = CallOptions.WithTimeout(_callTimeout, cancellationToken) with { Headers = _headers };
                var response = await channel.UnaryAsync(method, request, options).ConfigureAwait(false);
                _downUntil[index] = 0;
                return response;
            }
            catch (RpcException ex) when (IsFailover(ex.StatusCode) && !cancellationToken.IsCancellationRequested)
            {
                _downUntil[index] = _time.GetTimestamp() + Ticks(Cooldown);
                ClientLog.FailingOver(_logger, method.Name, channel.Address, ex.StatusCode, ex.Status.Detail);
                last = ex;
            }
            catch (RpcException ex)
            {
                throw ex.ToClientException(method.Name);
            }
        }

        throw last!.ToClientException(method.Name + (_channels.Length > 1 ? $" (all {_channels.Length} servers)" : string.Empty));
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    private static bool IsFailover(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded;

    /// <summary>Indices starting at the next one round-robin: healthy addresses first, then those cooling down.</summary>
    private int[] Order(ref int counter)
    {
        var n = _channels.Length;
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
}
