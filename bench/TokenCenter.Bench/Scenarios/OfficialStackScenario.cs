using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using TokenCenter.Bench.Harness;
using TokenCenter.V1;

namespace TokenCenter.Bench.Scenarios;

/// <summary>
/// GetToken through TokenCenter with its default composition (rate limiting on, auth as in Development,
/// RPC metrics on) vs a minimal Grpc.AspNetCore service answering the same Token from a
/// ConcurrentDictionary, started by the bench in the same run, same h2load settings.
/// </summary>
internal sealed class OfficialStackScenario : IScenario
{
    public string Name => "official";

    public string Title => "GetToken (default configuration) vs a minimal Grpc.AspNetCore dictionary service, h2load, same run";

    public TimeSpan Cap(BenchContext context) => TimeSpan.FromSeconds(context.Pick(90, 180));

    public async Task RunAsync(BenchContext context, IList<ResultRow> results, CancellationToken cancellationToken)
    {
        if (!H2Load.IsInstalled(out _))
        {
            results.Add(ResultRow.Skip(Name, "GetToken vs dictionary service requests/s", "h2load is not installed (apt-get install nghttp2-client)"));
            return;
        }

        // The defaults, except that the per-caller RPC limit is raised above the load: the limiter runs on
        // every call and refuses none (h2load would otherwise count trailers-only refusals as answers).
        await using var server = await Launch.StartTokenServer(context, "official-server", new Dictionary<string, string?>
        {
            ["Limits__RateLimiting"] = "true",
            ["Limits__RpcPermitLimit"] = "1000000000",
            ["Limits__WatchStreamsPerCaller"] = "16",
        });
        await Launch.WaitReadyzAsync(server, TimeSpan.FromSeconds(60), cancellationToken);
        var request = new GetTokenRequest { Key = BenchApps.Key(BenchApps.DemoAppId) };
        using var channel = GrpcChannel.ForAddress(server.Grpc);
        var token = await channel.UnaryAsync(TokenCenterMethods.GetToken, request, CallOptions.WithTimeout(TimeSpan.FromSeconds(10), cancellationToken));
        var tokenFile = Path.Combine(context.WorkDirectory, "official-token.bin");
        await File.WriteAllBytesAsync(tokenFile, token.ToByteArray(), cancellationToken);
        var requestFile = Path.Combine(context.WorkDirectory, "official-request.bin");
        await File.WriteAllBytesAsync(requestFile, RawGrpc.Message(request), cancellationToken);

        await using var dictionary = await Launch.StartDictionary(context, "official-dictionary", tokenFile);
        await Launch.WaitReadyH2cAsync(dictionary, cancellationToken);
        using var baselineChannel = GrpcChannel.ForAddress(dictionary.Grpc);
        var same = await baselineChannel.UnaryAsync(TokenCenterMethods.GetToken, request, CallOptions.WithTimeout(TimeSpan.FromSeconds(10), cancellationToken));
        if (!same.Equals(token))
        {
            throw new InvalidOperationException("the dictionary service does not answer the captured token");
        }

        var path = TokenCenterMethods.GetToken.FullName.TrimStart('/');
        double? cpuBefore = server.Process.CpuSeconds(), baseCpuBefore = dictionary.Process.CpuSeconds();
        await H2LoadComparison.CompareAsync(context, Name, "GetToken (default configuration)", new Uri(server.Grpc, path), new Uri(dictionary.Grpc, path), requestFile,
            "ratio ≥ 0.9", token.CalculateSize(), results, cancellationToken, baselineLabel: "minimal Grpc.AspNetCore dictionary service", minimumRatio: 0.9);
        double? cpu = server.Process.CpuSeconds() - cpuBefore, baseCpu = dictionary.Process.CpuSeconds() - baseCpuBefore;
        results.Add(new ResultRow(Name, "Server CPU over the comparison (both processes, same rounds)", cpu, "s", baseCpu, "dictionary service",
            cpu is { } c && baseCpu is { } b && b > 0 ? c / b : null, Note: "utime+stime from /proc over the warm-ups and rounds; each process served its own rounds"));
    }
}
