using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using TokenCenter.Protocol.Internal;

namespace TokenCenter.Protocol.Client.Internal;

/// <summary>One client call: request, response headers, messages, trailers → status.</summary>
internal sealed class GrpcCall<TRequest, TResponse> : IGrpcCallState
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcProtocolConstants.ContentType);
    private readonly GrpcChannel _channel;
    private readonly GrpcMethod<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cts;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpResponseMessage? _response;
    private bool _deadlineReached;

    public GrpcCall(GrpcChannel channel, GrpcMethod<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - TimeProvider.System.GetUtcNow().UtcDateTime;
            if (remaining <= TimeSpan.Zero)
            {
                _deadlineReached = true;
                _cts.Cancel();
            }
            else
            {
                _cts.Token.UnsafeRegister(static s => ((GrpcCall<TRequest, TResponse>)s!).OnCancelled(), this);
                _cts.CancelAfter(remaining);
            }
        }
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public Metadata Trailers { get; private set; } = [];

    public Status Status { get; private set; }

    public async Task<TResponse> UnaryAsync(TRequest request)
    {
        var reader = await StartAsync(request).ConfigureAwait(false);
        if (reader is null)
        {
            throw new RpcException(StatusCode.Internal, "Failed to deserialize response message: the server sent OK without a message.", Trailers);
        }

        TResponse? message = null;
        await foreach (var m in ReadMessagesAsync(reader).ConfigureAwait(false))
        {
            if (message is not null)
            {
                throw new RpcException(StatusCode.Internal, "The server sent more than one message for a unary call.");
            }

            message = m;
        }

        if (message is null)
        {
            throw new RpcException(StatusCode.Internal, "Failed to deserialize response message: the server sent OK without a message.", Trailers);
        }

        return message;
    }

    public async IAsyncEnumerable<TResponse> StartStreaming(TRequest request)
    {
        var reader = await StartAsync(request).ConfigureAwait(false);
        if (reader is null)
        {
            yield break;
        }

        await foreach (var m in ReadMessagesAsync(reader).ConfigureAwait(false))
        {
            yield return m;
        }
    }

    public void Dispose()
    {
        if (!_cts.IsCancellationRequested)
        {
            _cts.Cancel();
        }

        _response?.Dispose();
        _cts.Dispose();
    }

    private bool DeadlinePassed() =>
        _options.Deadline is { } deadline && deadline != DateTime.MaxValue
        && TimeProvider.System.GetUtcNow().UtcDateTime >= deadline.ToUniversalTime();

    private void OnCancelled()
    {
        if (!_options.CancellationToken.IsCancellationRequested)
        {
            _deadlineReached = true;
        }
    }

    /// <summary>Sends the request; returns the body reader, or null for a trailers-only OK.</summary>
    private async Task<PipeReader?> StartAsync(TRequest request)
    {
        using var message = BuildRequest(request);
        try
        {
            _response = await _channel.Invoker.SendAsync(message, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Fail(ex, "Error starting gRPC call");
        }

        var response = _response;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Failed(new Status(MapHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}"), []);
        }

        var headers = ToMetadata(response.Headers);
        _headers.TrySetResult(headers);
        var statusHeader = Header(response.Headers, GrpcProtocolConstants.StatusTrailer);
        if (statusHeader is not null)
        {
            // Trailers-Only response.
            SetStatus(statusHeader, Header(response.Headers, GrpcProtocolConstants.MessageTrailer), headers);
            if (Status.StatusCode != StatusCode.OK)
            {
                throw Failed(Status, Trailers);
            }

            return null;
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (!GrpcProtocolConstants.IsGrpcContentType(contentType))
        {
            throw Failed(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}"), []);
        }

        try
        {
            var stream = await response.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false);
            return PipeReader.Create(stream);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Fail(ex, "Error reading the response");
        }
    }

    private async IAsyncEnumerable<TResponse> ReadMessagesAsync(PipeReader reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var encoding = Header(_response!.Headers, GrpcProtocolConstants.EncodingHeader);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(_cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not RpcException)
            {
                throw Fail(ex, "Error reading the response");
            }

            var buffer = result.Buffer;
            var messages = new List<TResponse>();
            while (GrpcFrame.TryRead(ref buffer, _channel.Options.MaxReceiveMessageSize, out var compressed, out var payload))
            {
                var bytes = GrpcFrame.Decode(payload, compressed, encoding, _channel.Options.MaxReceiveMessageSize);
                messages.Add(_method.ResponseParser.ParseFrom(bytes));
            }

            var incomplete = result.IsCompleted && buffer.Length > 0;
            reader.AdvanceTo(buffer.Start, buffer.End);
            foreach (var m in messages)
            {
                yield return m;
            }

            if (incomplete)
            {
                throw Failed(new Status(StatusCode.Internal, "Incomplete message in the response."), []);
            }

            if (result.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync().ConfigureAwait(false);
        var trailers = _response.TrailingHeaders;
        var status = Header(trailers, GrpcProtocolConstants.StatusTrailer);
        if (status is null)
        {
            throw Failed(new Status(StatusCode.Internal, "No grpc-status found on response."), ToMetadata(trailers));
        }

        SetStatus(status, Header(trailers, GrpcProtocolConstants.MessageTrailer), ToMetadata(trailers));
        if (Status.StatusCode != StatusCode.OK)
        {
            throw Failed(Status, Trailers);
        }
    }

    private HttpRequestMessage BuildRequest(TRequest request)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var headers = message.Headers;
        headers.TryAddWithoutValidation(GrpcProtocolConstants.TeHeader, "trailers");
        headers.TryAddWithoutValidation(GrpcProtocolConstants.UserAgentHeader, _channel.Options.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocolConstants.AcceptEncodingHeader, GrpcProtocolConstants.SupportedEncodings);
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - TimeProvider.System.GetUtcNow().UtcDateTime;
            headers.TryAddWithoutValidation(GrpcProtocolConstants.TimeoutHeader, GrpcTimeout.Format(remaining));
        }

        if (_options.CompressRequest)
        {
            headers.TryAddWithoutValidation(GrpcProtocolConstants.EncodingHeader, GrpcProtocolConstants.Gzip);
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes).TrimEnd('=') : entry.Value);
            }
        }

        var content = new ByteArrayContent(GrpcFrame.ToArray(request, _options.CompressRequest));
        content.Headers.ContentType = GrpcContentType;
        message.Content = content;
        return message;
    }

    private void SetStatus(string statusValue, string? messageValue, Metadata trailers)
    {
        var code = int.TryParse(statusValue, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var c)
            ? (StatusCode)c
            : StatusCode.Unknown;
        Status = new Status(code, messageValue is null ? string.Empty : PercentEncoding.Decode(messageValue));
        Trailers = trailers;
    }

    private RpcException Failed(Status status, Metadata trailers)
    {
        Status = status;
        Trailers = trailers;
        _headers.TrySetException(new RpcException(status, trailers));
        _ = _headers.Task.Exception;
        return new RpcException(status, trailers);
    }

    private RpcException Fail(Exception ex, string what)
    {
        // The cancellation callbacks race (the HTTP stack may observe the cancellation before our
        // own callback marks the deadline): also look at the clock, as PROTOCOL-HTTP2.md advises.
        if (_deadlineReached || (!_options.CancellationToken.IsCancellationRequested && DeadlinePassed()))
        {
            return Failed(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), []);
        }

        if (_cts.IsCancellationRequested)
        {
            return Failed(new Status(StatusCode.Cancelled, "Call canceled by the client."), []);
        }

        var detail = ex is HttpRequestException ? $"{what}: {ex.Message}" : $"{what}: {ex.GetType().Name}: {ex.Message}";
        return Failed(new Status(ex is HttpRequestException or IOException ? StatusCode.Unavailable : StatusCode.Internal, detail), []);
    }

    private static StatusCode MapHttpStatus(HttpStatusCode code) => (int)code switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        415 => StatusCode.Internal,
        426 => StatusCode.Internal,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(',', values) : null;

    private static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            if (GrpcProtocolConstants.IsReservedHeader(name) || name.Equals("date", StringComparison.OrdinalIgnoreCase) || name.Equals("server", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var key = name.ToLowerInvariant();
            foreach (var value in values)
            {
                try
                {
                    if (Metadata.Entry.IsBinaryKey(key))
                    {
                        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                        {
                            var padded = part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=');
                            metadata.Add(new Metadata.Entry(key, Convert.FromBase64String(padded)));
                        }
                    }
                    else
                    {
                        metadata.Add(new Metadata.Entry(key, value));
                    }
                }
                catch (FormatException)
                {
                    // Not valid base64: dropped.
                }
                catch (ArgumentException)
                {
                    // Not a valid gRPC ASCII value: dropped.
                }
            }
        }

        return metadata;
    }
}
