using TokenCenter.Bench.Harness;
using TokenCenter.Bench.Servers;
using TokenCenter.Protocol.Client;
using TokenCenter.Testing.V1;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// Issue item 1, wire layer headline: Echo unary calls/s of a small message over loopback (Release).
/// Server half: h2load against the Echo service vs the constant-answer ceiling. Both halves: our
/// GrpcChannel client against the Echo service vs a plain HttpClient HTTP/2 POST to the ceiling, same
/// number of concurrent callers.
/// </summary>
internal sealed class EchoThroughputScenario : IScenario
{
    private const int Workers = 64;

    public string Name => "echo";

    public string Title => "Echo unary calls/s of a small message over loopback: h2load and GrpcChannel vs constant-answer ceiling";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(90, 200));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        var request = new EchoRequest { Message = "hello, token center" };
        var requestFrame = RawGrpc.Frame(request);
        var requestFile = Path.Combine(context.WorkDirectory, "echo-request.bin");
        await File.WriteAllBytesAsync(requestFile, requestFrame, cancellationToken);

        await using var echo = await Launch.StartEcho(context, "echo-server");
        await Launch.WaitReadyH2cAsync(echo, cancellationToken);
        var url = new Uri(echo.Grpc, EchoServer.Unary.FullName.TrimStart('/'));
        using var raw = RawGrpc.CreateClient();
        var answer = await RawGrpc.PostAsync(raw, url, requestFrame, cancellationToken);
        var answerFile = Path.Combine(context.WorkDirectory, "echo-answer.bin");
        await File.WriteAllBytesAsync(answerFile, answer, cancellationToken);

        await using var ceiling = await Launch.StartConstant(context, "echo-ceiling", new Dictionary<string, string> { [EchoServer.Unary.FullName] = answerFile });
        await Launch.WaitReadyH2cAsync(ceiling, cancellationToken);
        var ceilingUrl = new Uri(ceiling.Grpc, EchoServer.Unary.FullName.TrimStart('/'));
        await RawGrpc.PostAsync(raw, ceilingUrl, requestFrame, cancellationToken);

        if (H2Load.IsInstalled(out _))
        {
            await H2LoadComparison.CompareAsync(context, Name, "Echo (h2load, server half)", url, ceilingUrl, requestFile, null, answer.Length, results, cancellationToken);
        }
        else
        {
            results.Add(ResultRow.Skip(Name, "Echo (h2load) requests/s", "h2load is not installed (apt-get install nghttp2-client)"));
        }

        using var channel = GrpcChannel.ForAddress(echo.Grpc);
        var warmup = TimeSpan.FromSeconds(1);
        var duration = TimeSpan.FromSeconds(context.Pick(1, 4));
        var rounds = context.Pick(1, 3);
        // Unmeasured warm-up of both paths (tiered JIT of client and servers).
        await ClosedLoop.RunAsync(ct => RawGrpc.PostAsync(raw, ceilingUrl, requestFrame, ct), Workers, TimeSpan.Zero, duration, cancellationToken);
        await ClosedLoop.RunAsync(ct => channel.UnaryAsync(EchoServer.Unary, request, new CallOptions(CancellationToken: ct)), Workers, TimeSpan.Zero, duration, cancellationToken);
        var ours = new List<ClosedLoop.Result>();
        var baseline = new List<ClosedLoop.Result>();
        for (var round = 0; round < rounds; round++)
        {
            Task<ClosedLoop.Result> Baseline() => ClosedLoop.RunAsync(ct => RawGrpc.PostAsync(raw, ceilingUrl, requestFrame, ct), Workers, warmup, duration, cancellationToken);
            Task<ClosedLoop.Result> Ours() => ClosedLoop.RunAsync(ct => channel.UnaryAsync(EchoServer.Unary, request, new CallOptions(CancellationToken: ct)), Workers, warmup, duration, cancellationToken);
            ClosedLoop.Result b, o;
            if (round % 2 == 0)
            {
                b = await Baseline();
                o = await Ours();
            }
            else
            {
                o = await Ours();
                b = await Baseline();
            }

            BenchContext.Log($"  closed loop round {round + 1}: GrpcChannel {o.CallsPerSecond:0} calls/s (errors {o.Errors}), HttpClient->ceiling {b.CallsPerSecond:0} calls/s (errors {b.Errors})");
            ours.Add(o);
            baseline.Add(b);
        }

        var note = $"{Workers} concurrent callers in the driver process, {duration.TotalSeconds:0} s x {rounds} alternating rounds after a warm-up of each";
        double cps = Stats.Median(ours.Select(r => r.CallsPerSecond)), cpsBase = Stats.Median(baseline.Select(r => r.CallsPerSecond));
        var errors = ours.Sum(r => r.Errors);
        results.Add(new ResultRow(Name, "Echo (GrpcChannel client + server): calls/s", cps, "calls/s", cpsBase, "HttpClient POST -> ceiling", Stats.Ratio(cps, cpsBase), Status: errors == 0 ? "info" : "miss", Note: errors == 0 ? note : $"{note}; {errors} errors, first: {ours.First(r => r.FirstError is not null).FirstError}"));
        double p50 = Stats.Median(ours.Select(r => r.P50Ms)), p50Base = Stats.Median(baseline.Select(r => r.P50Ms));
        results.Add(new ResultRow(Name, "Echo (GrpcChannel client + server): latency p50", p50, "ms", p50Base, "HttpClient -> ceiling", Stats.Ratio(p50, p50Base)));
        double p99 = Stats.Median(ours.Select(r => r.P99Ms)), p99Base = Stats.Median(baseline.Select(r => r.P99Ms));
        results.Add(new ResultRow(Name, "Echo (GrpcChannel client + server): latency p99", p99, "ms", p99Base, "HttpClient -> ceiling", Stats.Ratio(p99, p99Base)));
    }
}
