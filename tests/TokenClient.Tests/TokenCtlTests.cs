using System.Text.Json;
using TokenCenter.Ctl;
using TokenCenter.Testing;
using TokenClient.Tests.Infrastructure;

namespace TokenClient.Tests;

public sealed class TokenCtlTests
{
    private const string AppId = Center.AppId;

    [Fact]
    public async Task Get_prints_the_value_the_server_serves()
    {
        await using var center = await Center.StartAsync();
        await using var client = center.CreateClient();
        var expected = await client.Client.GetAccessTokenAsync(AppId);

        var plain = await RunAsync(center, "get", AppId);
        var json = await RunAsync(center, "get", AppId, "--json");

        Assert.Equal((0, expected), (plain.Code, plain.Out.Trim()));
        Assert.Equal(0, json.Code);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(expected, doc.RootElement.GetProperty("value").GetString());
        Assert.Equal("access_token", doc.RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Errors_map_to_documented_exit_codes()
    {
        await using var center = await Center.StartAsync();

        var notFound = await RunAsync(center, "get", "wx00000000000000ff");
        var malformed = await RunAsync(center, "get", "not-an-app-id");
        var noArgument = await RunAsync(center, "get");
        var unknownCommand = await RunAsync(center, "frobnicate");
        var badAddress = await RunAsync(center, "get", AppId, "--address", "ftp://x");
        using var closed = new ClosedPort();
        var unreachable = await RunAsync(center, "get", AppId, "--address", closed.Address.ToString().TrimEnd('/'));

        Assert.Equal(ExitCodes.NotFound, notFound.Code);
        Assert.Contains("not configured", notFound.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadUsage, malformed.Code);
        Assert.Equal(ExitCodes.BadUsage, noArgument.Code);
        Assert.Equal(ExitCodes.BadUsage, unknownCommand.Code);
        Assert.Equal(ExitCodes.BadUsage, badAddress.Code);
        Assert.Equal(ExitCodes.Unavailable, unreachable.Code);
        Assert.Equal(ExitCodes.AuthFailure, ExitCodes.Of(Grpc.Core.StatusCode.Unauthenticated));
        Assert.Equal(ExitCodes.AuthFailure, ExitCodes.Of(Grpc.Core.StatusCode.PermissionDenied));
    }

    [Fact]
    public async Task Refresh_is_compare_and_refresh_and_a_quota_refusal_exits_5()
    {
        await using var center = await Center.StartAsync();
        var current = (await RunAsync(center, "get", AppId)).Out.Trim();

        var notCurrent = await RunAsync(center, "refresh", AppId, "--stale", "some-old-value");
        var refreshed = await RunAsync(center, "refresh", AppId, "--stale", current);
        var again = await RunAsync(center, "refresh", AppId, "--stale", refreshed.Out.Trim());
        var missingStale = await RunAsync(center, "refresh", AppId);

        Assert.Equal((0, current), (notCurrent.Code, notCurrent.Out.Trim()));
        Assert.Equal(0, refreshed.Code);
        Assert.NotEqual(current, refreshed.Out.Trim());
        Assert.Equal(ExitCodes.QuotaRefused, again.Code);
        Assert.Contains("retry after", again.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadUsage, missingStale.Code);
    }

    [Fact]
    public async Task Status_shows_every_key_and_never_a_token_value()
    {
        await using var center = await Center.StartAsync();
        var value = (await RunAsync(center, "get", AppId)).Out.Trim();

        var table = await RunAsync(center, "status");
        var json = await RunAsync(center, "status", "--json");

        Assert.Equal(0, table.Code);
        Assert.Contains($"access_token:{AppId}", table.Out, StringComparison.Ordinal);
        Assert.Contains("REMAINING", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(value, table.Out, StringComparison.Ordinal);
        Assert.Equal(0, json.Code);
        Assert.Contains(AppId, json.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(value, json.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_prints_each_version_without_the_value_until_cancelled()
    {
        await using var center = await Center.StartAsync();
        var value = (await RunAsync(center, "get", AppId)).Out.Trim();
        var output = new SyncWriter();
        using var cts = new CancellationTokenSource();

        var run = TokenCtlApp.RunAsync(["watch", AppId, "--address", center.Server.GrpcAddress.ToString()], output, TextWriter.Null, _ => null, cts.Token);
        await Eventually.TrueAsync(() => output.ToString().Contains("version=", StringComparison.Ordinal), "watch printed the current token");
        await RunAsync(center, "refresh", AppId, "--stale", value);
        await Eventually.TrueAsync(() => output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, "watch printed the new token");
        await cts.CancelAsync();
        var code = await run.WaitAsync(Eventually.Bound);

        Assert.Equal(0, code);
        Assert.DoesNotContain(value, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_address_and_api_key_come_from_the_environment_when_not_given()
    {
        await using var center = await Center.StartAsync();
        var environment = new Dictionary<string, string?>
        {
            ["TOKENCENTER_ADDRESS"] = center.Server.GrpcAddress.ToString(),
            ["TOKENCENTER_API_KEY"] = "ctl-key",
        };
        using var output = new StringWriter();
        using var help = new StringWriter();

        var code = await TokenCtlApp.RunAsync(["get", AppId], output, TextWriter.Null, name => environment.GetValueOrDefault(name));
        var helpCode = await TokenCtlApp.RunAsync(["--help"], help, TextWriter.Null, name => environment.GetValueOrDefault(name));

        Assert.Equal(0, code);
        Assert.Contains("Bearer ctl-key", center.Server.Authorizations());
        Assert.Equal(0, helpCode);
        Assert.Contains("Exit codes: 0 ok", help.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ctl-key", help.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(Center center, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] all = args.Contains("--address") ? args : [.. args, "--address", center.Server.GrpcAddress.ToString()];
        var code = await TokenCtlApp.RunAsync(all, output, error, _ => null);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A StringWriter safe to read while the watch command writes to it.</summary>
    private sealed class SyncWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public override void Write(char value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            lock (_gate)
            {
                base.WriteLine(value);
            }

            return Task.CompletedTask;
        }

        public override string ToString()
        {
            lock (_gate)
            {
                return base.ToString();
            }
        }
    }
}
