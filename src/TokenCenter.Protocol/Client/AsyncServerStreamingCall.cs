namespace TokenCenter.Protocol.Client;

/// <summary>A running server-streaming call. Dispose it to cancel the call (the stream is reset).</summary>
public sealed class AsyncServerStreamingCall<TResponse> : IDisposable
{
    private readonly IAsyncEnumerable<TResponse> _messages;
    private readonly IGrpcCallState _state;

    internal AsyncServerStreamingCall(IAsyncEnumerable<TResponse> messages, IGrpcCallState state)
    {
        _messages = messages;
        _state = state;
    }

    /// <summary>
    /// The response messages in order. Ends normally on status OK; throws <see cref="RpcException"/>
    /// for any other status (after the messages received before it).
    /// </summary>
    public IAsyncEnumerable<TResponse> ReadAllAsync() => _messages;

    /// <summary>Response headers, once received.</summary>
    public Task<Metadata> ResponseHeadersAsync => _state.ResponseHeadersAsync;

    /// <summary>The trailers, after the stream ended.</summary>
    public Metadata GetTrailers() => _state.Trailers;

    /// <summary>The final status, after the stream ended.</summary>
    public Status GetStatus() => _state.Status;

    /// <inheritdoc />
    public void Dispose() => _state.Dispose();
}

/// <summary>What a call exposes to <see cref="AsyncServerStreamingCall{TResponse}"/>.</summary>
internal interface IGrpcCallState : IDisposable
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Metadata Trailers { get; }

    Status Status { get; }
}
