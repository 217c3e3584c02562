using Microsoft.AspNetCore.Http;
using TokenCenter.Protocol;
using TokenCenter.Protocol.Server;

namespace TokenServer.Tests.Support;

/// <summary>A <see cref="ServerCallContext"/> for calling the service class directly.</summary>
internal sealed class TestCallContext(CancellationToken cancellationToken = default) : ServerCallContext
{
    public override string Method => "/tokencenter.v1.TokenCenter/Test";

    public override string Peer => "ipv4:127.0.0.1:1";

    public override Metadata RequestHeaders { get; } = [];

    public override Metadata ResponseTrailers { get; } = [];

    public override DateTime Deadline => DateTime.MaxValue;

    public override CancellationToken CancellationToken => cancellationToken;

    public override HttpContext? HttpContext => null;

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders) => Task.CompletedTask;
}
