using System.IO.Pipelines;
using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using TokenCenter.Protocol.Internal;

namespace TokenCenter.Protocol.Server.Internal;

/// <summary>
/// One gRPC call on one HTTP/2 stream: request metadata, deadline, message reading and writing,
/// and the final status (trailers, or trailers-only when nothing was sent yet).
/// </summary>
internal sealed class HttpServerCallContext : ServerCallContext, IDisposable
{
    private readonly HttpContext _http;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cts;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private string? _requestEncoding;
    private bool _gzipResponse;
    private bool _completed;
    private TimeSpan? _timeout;
    private DateTime _deadline = DateTime.MaxValue;
    private volatile bool _deadlineExceeded;

    public HttpServerCallContext(HttpContext http, string method, GrpcServerOptions options, ILogger logger)
    {
        _http = http;
        Method = method;
        _options = options;
        _logger = logger;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        _cts.Token.UnsafeRegister(static s => ((HttpServerCallContext)s!)._ended.TrySetResult(), this);
    }

    public override string Method { get; }

    public override string Peer
    {
        get
        {
            var c = _http.Connection;
            if (c.RemoteIpAddress is null)
            {
                return "unknown";
            }

            var family = c.RemoteIpAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
            return $"{family}:{c.RemoteIpAddress}:{c.RemotePort}";
        }
    }

    public override Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders(_http.Request.Headers);

    public override Metadata ResponseTrailers => _responseTrailers ??= [];

    public override DateTime Deadline => _deadline;

    public override CancellationToken CancellationToken => _cts.Token;

    public override HttpContext HttpContext => _http;

    public bool IsDeadlineExceeded => _deadlineExceeded;

    /// <summary>Reads the call's protocol headers; throws RpcException for a bad timeout or encoding.</summary>
    public void Initialize()
    {
        var headers = _http.Request.Headers;
        var timeoutHeader = headers[GrpcProtocolConstants.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var timeout))
            {
                throw new RpcException(StatusCode.Internal, $"Malformed grpc-timeout header '{timeoutHeader}': expected at most 8 digits followed by H, M, S, m, u or n.");
            }

            _timeout = timeout;
            _deadline = TimeProvider.System.GetUtcNow().UtcDateTime.Add(timeout);
            _cts.Token.UnsafeRegister(static s => ((HttpServerCallContext)s!).OnCancelled(), this);
            if (timeout <= TimeSpan.Zero)
            {
                _deadlineExceeded = true;
                _cts.Cancel();
            }
            else
            {
                _cts.CancelAfter(timeout);
            }
        }

        var encoding = headers[GrpcProtocolConstants.EncodingHeader].ToString();
        if (encoding.Length > 0 && encoding != GrpcProtocolConstants.Identity && encoding != GrpcProtocolConstants.Gzip)
        {
            _http.Response.Headers[GrpcProtocolConstants.AcceptEncodingHeader] = GrpcProtocolConstants.SupportedEncodings;
            throw new RpcException(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'. Supported encodings: {GrpcProtocolConstants.SupportedEncodings}.");
        }

        _requestEncoding = encoding.Length == 0 ? null : encoding;
        var accepted = headers[GrpcProtocolConstants.AcceptEncodingHeader].ToString();
        var acceptsGzip = accepted.Split(',', StringSplitOptions.TrimEntries).Contains(GrpcProtocolConstants.Gzip);
        _gzipResponse = acceptsGzip && (_options.ResponseCompressionAlgorithm ?? _requestEncoding) == GrpcProtocolConstants.Gzip;

        var bodySize = _http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (bodySize is { IsReadOnly: false })
        {
            bodySize.MaxRequestBodySize = null;
        }
    }

    /// <summary>Reads the one request message of a unary or server-streaming call.</summary>
    public async Task<T> ReadSingleMessageAsync<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        var reader = _http.Request.BodyReader;
        T? message = default;
        var received = false;
        while (true)
        {
            var result = await ReadBodyAsync(reader).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (!received && GrpcFrame.TryRead(ref buffer, _options.MaxReceiveMessageSize, out var compressed, out var payload))
            {
                var bytes = GrpcFrame.Decode(payload, compressed, _requestEncoding, _options.MaxReceiveMessageSize);
                try
                {
                    message = parser.ParseFrom(bytes);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    reader.AdvanceTo(buffer.Start);
                    throw new RpcException(StatusCode.Internal, "Failed to deserialize the request message: " + ex.Message);
                }

                received = true;
            }

            if (received && buffer.Length > 0)
            {
                reader.AdvanceTo(buffer.Start);
                throw new RpcException(StatusCode.Internal, $"Additional data after the request message: {Method} takes exactly one message.");
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                if (received)
                {
                    return message!;
                }

                throw new RpcException(StatusCode.Internal, buffer.Length == 0
                    ? "Request ended without a message: a unary or server-streaming call needs exactly one."
                    : $"Incomplete message: the request ended after {buffer.Length} bytes of a length-prefixed message.");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Awaits the handler, giving up at the deadline or when the caller goes away.</summary>
    public async Task<T> AwaitHandlerAsync<T>(Task<T> handler)
    {
        await AwaitHandlerAsync((Task)handler).ConfigureAwait(false);
        return await handler.ConfigureAwait(false);
    }

    /// <inheritdoc cref="AwaitHandlerAsync{T}(Task{T})"/>
    public async Task AwaitHandlerAsync(Task handler)
    {
        if (!handler.IsCompleted)
        {
            var first = await Task.WhenAny(handler, _ended.Task).ConfigureAwait(false);
            if (first != handler)
            {
                _ = handler.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                _cts.Token.ThrowIfCancellationRequested();
            }
        }

        await handler.ConfigureAwait(false);
    }

    public override async Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        await _writeLock.WaitAsync(CancellationToken).ConfigureAwait(false);
        try
        {
            if (_http.Response.HasStarted)
            {
                throw new InvalidOperationException("Response headers have already been sent.");
            }

            foreach (var entry in responseHeaders)
            {
                _http.Response.Headers.Append(entry.Key, EncodeValue(entry));
            }

            PrepareHeaders();
            await _http.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes and flushes one response message (waits on HTTP/2 flow control).</summary>
    public async Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var linked = cancellationToken.CanBeCanceled && cancellationToken != CancellationToken
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CancellationToken)
            : null;
        var token = linked?.Token ?? CancellationToken;
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (_completed)
            {
                throw new InvalidOperationException($"The call {Method} is complete; no more messages can be written.");
            }

            token.ThrowIfCancellationRequested();
            if (!_http.Response.HasStarted)
            {
                PrepareHeaders();
            }

            GrpcFrame.Write(_http.Response.BodyWriter, message, _gzipResponse);
            await _http.Response.BodyWriter.FlushAsync(token).ConfigureAwait(false);
            token.ThrowIfCancellationRequested();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Ends the call with <paramref name="status"/>.</summary>
    public async Task CompleteAsync(Status status)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (_http.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            var response = _http.Response;
            if (!response.HasStarted)
            {
                // Trailers-Only: one HEADERS frame with END_STREAM carrying the status.
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = GrpcProtocolConstants.ContentType;
                response.Headers[GrpcProtocolConstants.StatusTrailer] = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!string.IsNullOrEmpty(status.Detail))
                {
                    response.Headers[GrpcProtocolConstants.MessageTrailer] = PercentEncoding.Encode(status.Detail);
                }

                if (_responseTrailers is not null)
                {
                    foreach (var entry in _responseTrailers)
                    {
                        response.Headers.Append(entry.Key, EncodeValue(entry));
                    }
                }

                return;
            }

            response.AppendTrailer(GrpcProtocolConstants.StatusTrailer, ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!string.IsNullOrEmpty(status.Detail))
            {
                response.AppendTrailer(GrpcProtocolConstants.MessageTrailer, PercentEncoding.Encode(status.Detail));
            }

            if (_responseTrailers is not null)
            {
                foreach (var entry in _responseTrailers)
                {
                    response.AppendTrailer(entry.Key, EncodeValue(entry));
                }
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Maps a failure of the call to a status and ends the call with it.</summary>
    public Task CompleteWithExceptionAsync(Exception exception)
    {
        Status status;
        if (exception is RpcException rpc)
        {
            status = rpc.Status;
            foreach (var entry in rpc.Trailers)
            {
                ResponseTrailers.Add(entry);
            }

            GrpcServerLog.CallFailed(_logger, Method, status.StatusCode, status.Detail);
        }
        else if (_deadlineExceeded && IsCancellation(exception))
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            GrpcServerLog.DeadlineExceeded(_logger, Method, _timeout ?? TimeSpan.Zero);
        }
        else if (_http.RequestAborted.IsCancellationRequested && IsCancellation(exception))
        {
            status = new Status(StatusCode.Cancelled, "Call cancelled by the client.");
        }
        else
        {
            GrpcServerLog.HandlerFailed(_logger, Method, exception);
            status = new Status(StatusCode.Unknown, _options.EnableDetailedErrors
                ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
                : "Exception was thrown by handler.");
        }

        return CompleteAsync(status);
    }

    public void Dispose()
    {
        _cts.Dispose();
        _writeLock.Dispose();
    }

    private static bool IsCancellation(Exception ex) =>
        ex is OperationCanceledException or ConnectionAbortedException or IOException;

    private void OnCancelled()
    {
        if (!_http.RequestAborted.IsCancellationRequested)
        {
            _deadlineExceeded = true;
        }
    }

    private async ValueTask<ReadResult> ReadBodyAsync(PipeReader reader)
    {
        try
        {
            return await reader.ReadAsync(CancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            throw new RpcException(StatusCode.Internal, "Error reading the request: " + ex.Message);
        }
    }

    private void PrepareHeaders()
    {
        var response = _http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocolConstants.ContentType;
        response.Headers[GrpcProtocolConstants.AcceptEncodingHeader] = GrpcProtocolConstants.SupportedEncodings;
        if (_gzipResponse)
        {
            response.Headers[GrpcProtocolConstants.EncodingHeader] = GrpcProtocolConstants.Gzip;
        }
    }

    private static string EncodeValue(Metadata.Entry entry) =>
        entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes).TrimEnd('=') : entry.Value;

    private static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (GrpcProtocolConstants.IsReservedHeader(name))
            {
                continue;
            }

            var key = name.ToLowerInvariant();
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                if (Metadata.Entry.IsBinaryKey(key))
                {
                    foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (TryDecodeBase64(part, out var bytes))
                        {
                            metadata.Add(new Metadata.Entry(key, bytes));
                        }
                    }
                }
                else
                {
                    try
                    {
                        metadata.Add(new Metadata.Entry(key, value.Trim()));
                    }
                    catch (ArgumentException)
                    {
                        // Valid HTTP but not a valid gRPC ASCII value: dropped, as the protocol allows.
                    }
                }
            }
        }

        return metadata;
    }

    private static bool TryDecodeBase64(string value, out byte[] bytes)
    {
        var padded = (value.Length % 4) switch
        {
            2 => value + "==",
            3 => value + "=",
            _ => value,
        };
        bytes = new byte[padded.Length];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}
