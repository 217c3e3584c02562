using System.Net.Http.Json;
using System.Text.Json;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.V1;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>Who forced which key, when and with what outcome: in GetStatus, on the status page and in the logs.</summary>
public sealed class ForcedRefreshAuditTests
{
    [Fact]
    public async Task Each_forced_refresh_is_recorded_with_its_caller_and_outcome_in_GetStatus_status_json_and_the_logs()
    {
        await using var server = await OpsServerDefaults.StartAsync(TestKeys.Standard());
        var channel = server.Channel;
        var current = await server.GetTokenAsync(TestKeys.App);
        var forced = await channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = current.Key, StaleValue = current.Value }, OpsCalls.As(TestKeys.ForcerKey));
        var stale = await channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = current.Key, StaleValue = current.Value }, OpsCalls.As(TestKeys.ForcerKey));
        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TokenCenterMethods.ForceRefresh, new ForceRefreshRequest { Key = forced.Key, StaleValue = forced.Value }, OpsCalls.As(TestKeys.ForcerKey)));
        Assert.Equal(Grpc.Core.StatusCode.ResourceExhausted, refused.StatusCode);
        using var http = new HttpClient();
        using var compat = await http.PostAsJsonAsync(new Uri(server.WebAddress, "cgi-bin/stable_token"), new { grant_type = "client_credential", appid = TestKeys.App, secret = TestKeys.AppSecret, force_refresh = true });
        compat.EnsureSuccessStatusCode();

        var status = await channel.UnaryAsync(TokenCenterMethods.GetStatus, new GetStatusRequest(), OpsCalls.As(TestKeys.OperatorKey));
        var records = status.RecentForcedRefreshes.ToList(); // newest first
        Assert.Equal(4, records.Count);
        Assert.StartsWith("compat:" + TestKeys.App + " from 127.0.0.1", records[0].Caller, StringComparison.Ordinal);
        Assert.Equal("answered_current", records[0].Outcome); // WeChat still accepts the current token
        Assert.Equal(("forcer", "refused_by_quota", 0L), (records[1].Caller, records[1].Outcome, records[1].Version));
        Assert.Equal(("forcer", "answered_current", forced.Version), (records[2].Caller, records[2].Outcome, records[2].Version));
        Assert.Equal(("forcer", "rotated", forced.Version), (records[3].Caller, records[3].Outcome, records[3].Version));
        Assert.All(records, r => Assert.Equal(TestKeys.App, r.Key.AppId));

        using var doc = JsonDocument.Parse(await server.GetTextAsync("/status.json"));
        var page = doc.RootElement.GetProperty("recentForcedRefreshes").EnumerateArray().ToList();
        Assert.Equal(["answered_current", "refused_by_quota", "answered_current", "rotated"], page.Select(p => p.GetProperty("outcome").GetString()));
        Assert.Equal("forcer", page[3].GetProperty("caller").GetString());

        var logged = server.Logs.Entries.Where(e => e.Contains("Forced refresh of access_token", StringComparison.Ordinal)).ToList();
        Assert.Contains(logged, l => l.Contains("by forcer: rotated", StringComparison.Ordinal));
        Assert.Contains(logged, l => l.Contains("by forcer: refused_by_quota", StringComparison.Ordinal));
        var text = string.Join('\n', logged) + doc.RootElement.GetRawText() + status;
        foreach (var value in new[] { current.Value, forced.Value, stale.Value })
        {
            Assert.DoesNotContain(value, text, StringComparison.Ordinal);
        }
    }
}
