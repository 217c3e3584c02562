using System.Text.Json;
using Microsoft.Playwright;
using TokenCenter.Server.Ops.Tests.Support;

namespace TokenCenter.Server.Ops.Tests;

public sealed class StatusPageTests(StandardServerFixture fixture) : IClassFixture<StandardServerFixture>
{
    private TestServerHost Server => fixture.Server;

    [Fact]
    public async Task Status_json_lists_every_key_with_lifetime_refresh_error_and_usage_but_no_token()
    {
        var token = await Server.GetTokenAsync(TestKeys.App);
        var text = await Server.GetTextAsync("/status.json");
        Assert.DoesNotContain(token.Value, text, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(text);
        var keys = doc.RootElement.GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("appId").GetString()!);
        Assert.Equal(3, keys.Count);
        var good = keys[TestKeys.App];
        Assert.True(good.GetProperty("hasValidToken").GetBoolean());
        Assert.InRange(good.GetProperty("remainingSeconds").GetInt64(), 3600, 7200);
        Assert.Equal("startup", good.GetProperty("lastTrigger").GetString());
        Assert.True(good.GetProperty("upstreamCallsToday").GetInt32() >= 1);
        Assert.NotEqual(JsonValueKind.Null, good.GetProperty("lastRefreshAt").ValueKind);
        var bad = keys[TestKeys.BadApp];
        Assert.False(bad.GetProperty("hasValidToken").GetBoolean());
        Assert.Equal(40125, bad.GetProperty("lastError").GetProperty("errcode").GetInt32());

        var summary = doc.RootElement.GetProperty("summary");
        Assert.Equal(3, summary.GetProperty("keys").GetInt32());
        Assert.Equal(1, summary.GetProperty("withoutToken").GetInt32());
        Assert.Equal(2000, summary.GetProperty("weChatDailyQuota").GetInt32());
        Assert.True(summary.GetProperty("busiestAppCallsToday").GetInt32() >= 1);
        var history = doc.RootElement.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(24, history.Count);
        Assert.True(history.Sum(h => h.GetProperty("startup").GetInt32()) >= 2, "the startup refreshes are in the history");
        Assert.True(history.Sum(h => h.GetProperty("upstreamErrors").GetInt32()) >= 1, "the bad app's 40125 is in the history");
        Assert.Equal(3, doc.RootElement.GetProperty("page").GetProperty("matching").GetInt32());
    }

    [Fact]
    public async Task Status_json_filters_searches_and_pages_and_refuses_malformed_parameters()
    {
        using var problems = JsonDocument.Parse(await Server.GetTextAsync("/status.json?state=problems"));
        Assert.Equal([TestKeys.BadApp], problems.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("appId").GetString()));

        using var found = JsonDocument.Parse(await Server.GetTextAsync("/status.json?q=" + TestKeys.OtherApp[^4..]));
        Assert.Equal([TestKeys.OtherApp], found.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("appId").GetString()));

        using var second = JsonDocument.Parse(await Server.GetTextAsync("/status.json?size=2&page=2"));
        Assert.Single(second.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(2, second.RootElement.GetProperty("page").GetProperty("pages").GetInt32());
        Assert.Equal(3, second.RootElement.GetProperty("summary").GetProperty("keys").GetInt32()); // the summary counts every key

        foreach (var bad in new[] { "?page=0", "?size=501", "?state=sleepy", "?page=x", "?q=" + new string('a', 65) })
        {
            using var response = await Server.GetWebAsync("/status.json" + bad);
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("status.json parameters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_browser_shows_each_key_with_its_remaining_lifetime_and_never_a_token_value()
    {
        var token = await Server.GetTokenAsync(TestKeys.App);
        await using var browser = await OperatorBrowser.StartAsync();
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(Server.WebAddress.ToString());

        var row = page.Locator($"tr[data-key='access_token::{TestKeys.App}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        var cells = await row.Locator("td").AllInnerTextsAsync();
        Assert.Equal($"access_token::{TestKeys.App}", cells[0]);
        Assert.Equal("valid", cells[2]);
        Assert.Matches(@"^(1h \d{1,2}m \d{1,2}s|2h 0m 0s)$", cells[3].Trim());
        Assert.EndsWith("(startup)", cells[5], StringComparison.Ordinal);

        var badRow = page.Locator($"tr[data-key='access_token::{TestKeys.BadApp}']");
        await Assertions.Expect(badRow).ToContainTextAsync("40125");
        await Assertions.Expect(page.Locator("#where")).ToContainTextAsync("store memory (reachable)");

        var dom = await page.ContentAsync();
        Assert.DoesNotContain(token.Value, dom, StringComparison.Ordinal);
        foreach (var secret in TestKeys.Secrets)
        {
            Assert.DoesNotContain(secret, dom, StringComparison.Ordinal);
        }
    }
}
