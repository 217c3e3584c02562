using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;
using Xunit.Abstractions;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>
/// The status page with a platform's worth of authorizers loaded (10,000 by default,
/// OPS_STATUS_AUTHORIZERS to change): a summary first, paging and search, and a layout that fits
/// 1280 px without horizontal scrolling. Checked in Debian's Chromium, with a screenshot kept.
/// </summary>
public sealed class StatusPageScaleTests(ITestOutputHelper output)
{
    private const string Component = "wx00000000000000c1";

    [Fact]
    public async Task With_10000_authorizers_the_page_summarises_pages_searches_and_fits_1280_pixels()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("OPS_STATUS_AUTHORIZERS"), out var n) ? n : 10_000;
        var withoutToken = count / 100;
        await using var server = await OpsServerDefaults.StartAsync(TestKeys.Standard(withBadApp: true));
        var token = await server.GetTokenAsync(TestKeys.App);
        await SeedAuthorizersAsync(server, count, withoutToken);

        using (var json = JsonDocument.Parse(await server.GetTextAsync("/status.json?state=no_token&size=500")))
        {
            Assert.Equal(withoutToken + 1, json.RootElement.GetProperty("page").GetProperty("matching").GetInt32()); // + the bad app
            Assert.Equal(count + 3, json.RootElement.GetProperty("summary").GetProperty("keys").GetInt32());
        }

        await using var browser = await OperatorBrowser.StartAsync();
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(server.WebAddress.ToString());

        // Summary first: counts by state, before any table row.
        var cards = page.Locator("#cards .card");
        await Assertions.Expect(cards.First).ToContainTextAsync((count + 3).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#cards")).ToContainTextAsync("without a valid token");
        var summaryTop = (await page.Locator("#cards").BoundingBoxAsync())!.Y;
        var tableTop = (await page.Locator("#keysTable").BoundingBoxAsync())!.Y;
        Assert.True(summaryTop < tableTop, "the summary comes before the table");
        Assert.True(await page.Locator("#history rect").CountAsync() > 0, "the 24 h chart shows this hour's refreshes");

        // One page of 50 rows, problems first, and the pager says how many there are.
        await Assertions.Expect(page.Locator("#keys tr")).ToHaveCountAsync(50);
        await Assertions.Expect(page.Locator("#pageinfo")).ToContainTextAsync($"of {((count + 3) + 49) / 50}");
        var first = await page.Locator("#keys tr").First.Locator("td").Nth(2).InnerTextAsync();
        Assert.StartsWith("no valid token", first, StringComparison.Ordinal);

        var path = Path.Combine(Path.GetTempPath(), $"tokencenter-status-{count}.png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");

        // No horizontal scrolling at 1280 px.
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (scroll, viewport) = (widths[0], widths[1]);
        Assert.True(scroll <= viewport, $"page is {scroll} px wide in a {viewport} px window");

        // Next page, then a search that finds exactly one authorizer.
        await page.ClickAsync("#next");
        await Assertions.Expect(page.Locator("#pageinfo")).ToContainTextAsync("page 2 of");
        var wanted = AppOf(count - 7);
        await page.FillAsync("#search", wanted);
        await Assertions.Expect(page.Locator("#keys tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#keys tr").First).ToContainTextAsync(wanted);
        await Assertions.Expect(page.Locator("#pageinfo")).ToContainTextAsync("1 matching");

        var dom = await page.ContentAsync();
        Assert.DoesNotContain(token.Value, dom, StringComparison.Ordinal);
        Assert.DoesNotContain("seed-value-", dom, StringComparison.Ordinal);
    }

    private static string AppOf(int i) => $"wxa{i:x15}";

    /// <summary>Authorizer slots as a platform replica holds them after loading; the first <paramref name="withoutToken"/> hold none.</summary>
    private static async Task SeedAuthorizersAsync(TestServerHost server, int count, int withoutToken)
    {
        var engine = server.App.Services.GetRequiredService<TokenEngine>();
        var store = server.App.Services.GetRequiredService<ITokenStore>();
        var now = TimeProvider.System.GetUtcNow();
        var source = new SeededAuthorizers();
        for (var i = 0; i < count; i++)
        {
            var key = new TokenSlotKey(TokenKind.AuthorizerAccessToken, Component, AppOf(i));
            engine.AddDynamicSlot(key, source);
            if (i >= withoutToken)
            {
                var stored = new StoredToken("seed-value-" + i, now + TimeSpan.FromMinutes(20 + (i % 100)), now - TimeSpan.FromMinutes(30), 1);
                Assert.True(await store.TryWriteAsync(key, stored, default));
                engine.Adopt(key, stored);
            }
        }
    }

    /// <summary>The source of the seeded slots: never asked to fetch within the test (tokens live 20+ minutes).</summary>
    private sealed class SeededAuthorizers : ITokenSource
    {
        public TokenKind Kind => TokenKind.AuthorizerAccessToken;

        public IReadOnlyCollection<TokenSlotKey> Keys => [];

        public string GrantName(TokenSlotKey key) => "authorizer_refresh_token";

        public RefreshWindow Window(TokenSlotKey key) => new(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));

        public Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("seeded authorizers are not refreshed in this test");
    }
}
