namespace TokenCenter.Server.Upstream;

/// <summary>An HTTP answer that is not a WeChat JSON answer (5xx: transient; others: final). Internal to the client.</summary>
internal sealed class TransientUpstreamException : Exception
{
    public TransientUpstreamException(int httpStatus, string description)
        : base(description)
    {
        HttpStatus = httpStatus;
    }

    public TransientUpstreamException()
        : this(0, "unexpected HTTP answer")
    {
    }

    public TransientUpstreamException(string message)
        : this(0, message)
    {
    }

    public TransientUpstreamException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int HttpStatus { get; }

    public bool IsTransient => HttpStatus >= 500;
}
