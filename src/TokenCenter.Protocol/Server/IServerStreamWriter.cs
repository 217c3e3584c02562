namespace TokenCenter.Protocol.Server;

/// <summary>Writes the messages of a server-streaming call; awaiting a write respects HTTP/2 flow control.</summary>
public interface IServerStreamWriter<in T>
{
    /// <summary>Writes one message and flushes it to the caller.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
