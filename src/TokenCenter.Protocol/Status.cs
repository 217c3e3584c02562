namespace TokenCenter.Protocol;

/// <summary>A gRPC status: a code and a human-readable message (sent percent-encoded in <c>grpc-message</c>).</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    /// <summary>The OK status.</summary>
    public static Status DefaultSuccess => new(StatusCode.OK, string.Empty);

    /// <inheritdoc />
    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
