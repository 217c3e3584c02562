using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using TokenCenterGrpc = TokenCenter.V1.TokenCenter;

namespace TokenCenter.Ctl;

/// <summary>One command's connection settings and output, from the parsed global options.</summary>
internal sealed class CtlSession : IDisposable
{
    private readonly Metadata? _headers;
    private readonly TimeSpan _timeout;

    private CtlSession(GrpcChannel channel, Metadata? headers, TimeSpan timeout, bool json, TextWriter output)
    {
        Channel = channel;
        Client = new TokenCenterGrpc.TokenCenterClient(channel);
        _headers = headers;
        _timeout = timeout;
        Json = json;
        Output = output;
    }

    public GrpcChannel Channel { get; }

    /// <summary>The generated client on <see cref="Channel"/>.</summary>
    public TokenCenterGrpc.TokenCenterClient Client { get; }

    public bool Json { get; }

    public TextWriter Output { get; }

    /// <summary>Builds the session, or returns null with <paramref name="problem"/> (bad usage).</summary>
    public static CtlSession? Create(ParseResult parse, CtlOptions options, TextWriter output, out string? problem)
    {
        problem = null;
        var address = parse.GetValue(options.Address);
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            problem = $"--address '{address}' must be an absolute http:// or https:// URI";
            return null;
        }

        var timeout = parse.GetValue(options.Timeout);
        if (!(timeout > 0) || timeout > 3600)
        {
            problem = $"--timeout must be between 0 and 3600 seconds (was {timeout})";
            return null;
        }

        Metadata? headers = null;
        if ((parse.GetValue(options.ApiKey) ?? options.Environment(CtlOptions.ApiKeyVariable)) is { Length: > 0 } key)
        {
            if (key.Any(c => c < 0x21 || c > 0x7E))
            {
                problem = "--api-key must be printable ASCII without spaces";
                return null;
            }

            headers = new Metadata { { "authorization", "Bearer " + key } };
        }

        return new CtlSession(GrpcChannel.ForAddress(uri), headers, TimeSpan.FromSeconds(timeout), parse.GetValue(options.Json), output);
    }

    /// <summary>Options of a unary call: the API key and the --timeout deadline (gRPC deadlines are wall-clock).</summary>
    public CallOptions Unary(CancellationToken cancellationToken) =>
        new(_headers, TimeProvider.System.GetUtcNow().UtcDateTime + _timeout, cancellationToken);

    /// <summary>Options of a streaming call: the API key, no deadline.</summary>
    public CallOptions Stream(CancellationToken cancellationToken) => new(_headers, null, cancellationToken);

    public void Dispose() => Channel.Dispose();
}
