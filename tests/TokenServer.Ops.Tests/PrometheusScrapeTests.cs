using System.Text.Json;
using System.Text.RegularExpressions;
using TokenCenter.Protocol;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.V1;
using Xunit.Abstractions;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>
/// The proof that /metrics is right: a real Prometheus scrapes a running TokenCenter, and every series
/// that docs/operations.md documents is ingested with the documented type and labels.
/// </summary>
public sealed partial class PrometheusScrapeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_real_Prometheus_ingests_every_documented_series_with_its_type_and_labels()
    {
        var documented = DocumentedSeries();
        Assert.True(documented.Count >= 9, $"docs/operations.md documents {documented.Count} series");

        var settings = TestKeys.Standard(withBadApp: true);
        settings["Limits:RpcPermitLimit"] = "40";
        settings["Limits:RpcWindow"] = "00:01:00";
        await using var server = await OpsServerDefaults.StartAsync(settings);
        await MakeEveryDocumentedSeriesCountAsync(server);

        await using var prometheus = await PrometheusServer.StartAsync(server.WebAddress, "/metrics", TestKeys.OperatorKey);
        var names = documented.Select(d => d.Name).ToList();
        var missing = names;
        for (var i = 0; i < 600 && missing.Count > 0; i++)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var series in await prometheus.QueryAsync("{job=\"tokencenter\",__name__=~\"tokencenter_.*\"}"))
            {
                present.Add(series.GetProperty("metric").GetProperty("__name__").GetString()!);
            }

            missing = [.. names.Where(n => !present.Contains(n) && !present.Contains(n + "_bucket"))];
            if (missing.Count > 0)
            {
                await Task.Delay(100);
            }
        }

        var (health, lastError) = await prometheus.TargetAsync();
        output.WriteLine($"target {health} {lastError}");
        Assert.True(missing.Count == 0, $"not ingested by Prometheus: {string.Join(", ", missing)}; target {health} '{lastError}'\n{prometheus.Log}");
        Assert.Equal("up", health);
        Assert.Equal(string.Empty, lastError);

        var metadata = await prometheus.MetadataAsync();
        foreach (var (name, type, labels) in documented)
        {
            // Prometheus keys metadata by family name (counters may be recorded with or without _total).
            var family = metadata.ContainsKey(name) ? name : name.EndsWith("_total", StringComparison.Ordinal) ? name[..^6] : name;
            Assert.True(metadata.TryGetValue(family, out var ingestedType), $"{name}: no metadata in Prometheus (has: {string.Join(", ", metadata.Keys.Where(k => k.StartsWith("tokencenter", StringComparison.Ordinal)))})");
            Assert.True(ingestedType == type, $"{name}: documented as {type}, ingested as {ingestedType}");

            var sample = type == "histogram" ? name + "_bucket" : name;
            var series = await prometheus.QueryAsync(sample);
            Assert.NotEmpty(series);
            foreach (var s in series)
            {
                var seen = s.GetProperty("metric").EnumerateObject().Select(p => p.Name)
                    .Where(l => l is not ("__name__" or "job" or "instance" or "le" or "otel_scope_name" or "otel_scope_version")).ToHashSet();
                Assert.True(seen.SetEquals(labels), $"{name}: documented labels [{string.Join(", ", labels)}], ingested [{string.Join(", ", seen)}]");
            }
        }

        // Values Prometheus read, for what the server did above.
        Assert.True(await SumAsync(prometheus, $"tokencenter_refreshes_total{{app=\"{TestKeys.App}\",trigger=\"forced\",result=\"success\"}}") >= 1);
        Assert.True(await SumAsync(prometheus, $"tokencenter_upstream_errors_total{{errcode=\"40125\"}}") >= 1);
        Assert.True(await SumAsync(prometheus, $"tokencenter_token_remaining_seconds{{app=\"{TestKeys.App}\"}}") > 3600);
        Assert.True(await SumAsync(prometheus, "tokencenter_rpc_rate_limited_total") >= 1);
    }

    private static async Task<double> SumAsync(PrometheusServer prometheus, string selector)
    {
        var result = await prometheus.QueryAsync($"sum({selector})");
        return result.Length == 0 ? 0 : double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Refreshes (startup, forced, failing), a refused force, a watcher, and callers over the rate limit.</summary>
    private static async Task MakeEveryDocumentedSeriesCountAsync(TestServerHost server)
    {
        var channel = server.Channel;
        var current = await server.GetTokenAsync(TestKeys.App);
        var forced = await channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = current.Key, StaleValue = current.Value }, OpsCalls.As(TestKeys.ForcerKey));
        // A dynamic key (a JS-SDK ticket), counted by tokencenter_dynamic_keys.
        await channel.UnaryAsync(TokenCenterMethods.GetToken, new GetTokenRequest { Key = new TokenKey { Kind = TokenKind.JsapiTicket, AppId = TestKeys.App } }, OpsCalls.As(TestKeys.ForcerKey));
        await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = forced.Key, StaleValue = forced.Value }, OpsCalls.As(TestKeys.ForcerKey)));
        await Assert.ThrowsAsync<RpcException>(() => server.GetTokenAsync(TestKeys.BadApp));
        var watch = channel.ServerStreaming(TokenCenterMethods.WatchTokens, new WatchTokensRequest { Keys = { current.Key } }, OpsCalls.As(TestKeys.ReaderKey));
        await using var stream = watch.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        var limited = false;
        for (var i = 0; i < 60 && !limited; i++)
        {
            try
            {
                await server.GetTokenAsync(TestKeys.App, TestKeys.ReaderKey);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                limited = true;
            }
        }

        Assert.True(limited, "the rate limiter refused a caller over its limit");
        watch.Dispose();
    }

    /// <summary>The metrics table of docs/operations.md: name, type, label names.</summary>
    private static List<(string Name, string Type, HashSet<string> Labels)> DocumentedSeries()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "TokenCenter.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        var rows = new List<(string, string, HashSet<string>)>();
        foreach (var line in File.ReadLines(Path.Combine(root, "docs", "operations.md")))
        {
            if (Row().Match(line) is { Success: true } m)
            {
                var labels = LabelName().Matches(m.Groups["labels"].Value).Select(l => l.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
                rows.Add((m.Groups["name"].Value, m.Groups["type"].Value, labels));
            }
        }

        return rows;
    }

    // | `tokencenter_x_total` | counter | `kind`, `app`, `trigger` (startup, …) | meaning |
    [GeneratedRegex(@"^\|\s*`(?<name>tokencenter_[a-z_]+)`\s*\|\s*(?<type>counter|gauge|histogram)\s*\|(?<labels>[^|]*)\|")]
    private static partial Regex Row();

    // Label names are the back-quoted words outside parentheses.
    [GeneratedRegex(@"`([a-z_]+)`(?![^(]*\))")]
    private static partial Regex LabelName();
}
