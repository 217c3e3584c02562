namespace TokenCenter.Protocol.Client;

/// <summary>Per-call options of the client half.</summary>
/// <param name="Headers">Custom request metadata (e.g. <c>authorization: Bearer …</c>).</param>
/// <param name="Deadline">When the call must end (UTC); sent as <c>grpc-timeout</c> and enforced locally.</param>
/// <param name="CancellationToken">Cancels the call (the stream is reset with CANCEL).</param>
/// <param name="CompressRequest">Whether to gzip the request message (<c>grpc-encoding: gzip</c>).</param>
public readonly record struct CallOptions(
    Metadata? Headers = null,
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default,
    bool CompressRequest = false)
{
    /// <summary>Options with a deadline <paramref name="timeout"/> from now.</summary>
    public static CallOptions WithTimeout(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        new(Deadline: TimeProvider.System.GetUtcNow().UtcDateTime + timeout, CancellationToken: cancellationToken);
}
