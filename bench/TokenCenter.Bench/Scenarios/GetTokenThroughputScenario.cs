using TokenCenter.Bench.Harness;
using TokenCenter.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using TokenCenter.V1;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Issue item 1: GetToken over the network on one Release TokenServer (Development: embedded simulator,
/// demo app), driven by h2load, against a minimal Kestrel h2c endpoint in the same process
/// configuration answering the very bytes GetToken answered (the ceiling). Target: ratio ≥ 0.8.
/// </summary>
internal sealed class GetTokenThroughputScenario : IScenario
{
    public string Name => "gettoken";

    public string Title => "GetToken throughput and latency over loopback (h2load) vs a constant-answer Kestrel ceiling";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(90, 180));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        if (!H2Load.IsInstalled(out _))
        {
            results.Add(ResultRow.Skip(Name, "GetToken requests/s", "h2load is not installed (apt-get install nghttp2-client)"));
            return;
        }

        await using var server = await Launch.StartTokenServer(context, "gettoken-server");
        await Launch.WaitReadyzAsync(server, TimeSpan.FromSeconds(60), cancellationToken);

        var request = new GetTokenRequest { Key = BenchApps.Key(BenchApps.DemoAppId) };
        var requestFile = Path.Combine(context.WorkDirectory, "gettoken-request.bin");
        await File.WriteAllBytesAsync(requestFile, RawGrpc.Message(request), cancellationToken);
        var url = new Uri(server.Grpc, TokenCenterMethods.GetToken.FullName.TrimStart('/'));
        using var raw = RawGrpc.CreateClient();
        var answer = await RawGrpc.PostAsync(raw, url, RawGrpc.Message(request), cancellationToken);
        var answerFile = Path.Combine(context.WorkDirectory, "gettoken-answer.bin");
        await File.WriteAllBytesAsync(answerFile, answer, cancellationToken);

        await using var ceiling = await Launch.StartConstant(context, "gettoken-ceiling", new Dictionary<string, string> { [TokenCenterMethods.GetToken.FullName] = answerFile });
        await Launch.WaitReadyH2cAsync(ceiling, cancellationToken);
        var ceilingUrl = new Uri(ceiling.Grpc, TokenCenterMethods.GetToken.FullName.TrimStart('/'));
        var ceilingAnswer = await RawGrpc.PostAsync(raw, ceilingUrl, RawGrpc.Message(request), cancellationToken);
        if (!ceilingAnswer.AsSpan().SequenceEqual(answer))
        {
            throw new InvalidOperationException("the ceiling does not answer the captured GetToken bytes");
        }

        await H2LoadComparison.CompareAsync(context, Name, "GetToken", url, ceilingUrl, requestFile, "ratio ≥ 0.8", answer.Length, results, cancellationToken);

        // h2load only sees HTTP 200 (a gRPC error is a trailers-only 200): the same kind of load through a
        // real client, which checks every grpc-status, must see no error.
        using var channel = GrpcChannel.ForAddress(server.Grpc);
        var check = await ClosedLoop.RunAsync(ct => channel.UnaryAsync(TokenCenterMethods.GetToken, request, new CallOptions(cancellationToken: ct)), 64, TimeSpan.Zero, TimeSpan.FromSeconds(context.Pick(1, 2)), cancellationToken);
        results.Add(new ResultRow(Name, "GetToken errors under load (GrpcChannel, 64 callers)", check.Errors, "errors", Target: "0", Status: check.Errors == 0 ? "ok" : "miss",
            Note: (check.FirstError is null ? "every answer had grpc-status 0" : "first: " + check.FirstError) + $"; {check.Calls + check.Errors:#,0} calls, {check.CallsPerSecond:0} calls/s through the client"));
        var token = await channel.UnaryAsync(TokenCenterMethods.GetToken, request, CallOptions.WithTimeout(TimeSpan.FromSeconds(10), cancellationToken));
        results.Add(new ResultRow(Name, "GetToken answer size (framed)", answer.Length, "bytes", ceilingAnswer.Length, "ceiling", 1.0, Note: $"grpc-status 0 after the load; token version {token.Version}"));
    }
}
