namespace TokenCenter.Protocol;

/// <summary>
/// A call ended with a non-OK status. Thrown by handlers to answer with that status (its
/// <see cref="Trailers"/> are sent too), and by the client half when the server answered with one.
/// </summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates an exception for <paramref name="status"/>, with optional trailers.</summary>
    public RpcException(Status status, Metadata? trailers = null)
        : base(status.ToString())
    {
        Status = status;
        Trailers = trailers ?? [];
    }

    /// <summary>Shorthand for <c>new RpcException(new Status(code, detail))</c>.</summary>
    public RpcException(StatusCode code, string detail, Metadata? trailers = null)
        : this(new Status(code, detail), trailers)
    {
    }

    public RpcException()
        : this(new Status(StatusCode.Unknown, string.Empty))
    {
    }

    public RpcException(string message)
        : this(new Status(StatusCode.Unknown, message))
    {
    }

    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = new Status(StatusCode.Unknown, message);
        Trailers = [];
    }

    /// <summary>The status of the call.</summary>
    public Status Status { get; }

    /// <summary>The status code (shorthand for <c>Status.StatusCode</c>).</summary>
    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Trailers received with the status (client) or to send with it (server).</summary>
    public Metadata Trailers { get; }
}
