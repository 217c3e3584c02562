using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TokenCenter.Server.Engine;
using TokenCenter.Server.Ops.Tests.Support;
using TokenCenter.Server.Upstream;
using TokenCenter.V1;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>
/// The status page and status.json count the dynamic keys (authorizers) per component, as GetStatus'
/// dynamic_key_counts does: with a valid token, without one, and needing re-authorization.
/// </summary>
public sealed class StatusDynamicKeyCountsTests
{
    private const string ComponentA = "wx00000000000000c1";
    private const string ComponentB = "wx00000000000000c2";

    [Fact]
    public async Task Status_json_and_the_page_count_authorizers_per_component_held_without_token_and_needing_reauthorization()
    {
        await using var server = await OpsServerDefaults.StartAsync(TestKeys.Standard(withBadApp: true));
        var engine = server.App.Services.GetRequiredService<TokenEngine>();
        var store = server.App.Services.GetRequiredService<ITokenStore>();
        var now = TimeProvider.System.GetUtcNow();
        var source = new Authorizers { Reauthorize = { "wxa00000000000000003" } };

        // Component A: 3 held, 1 without a token (and needing re-authorization); component B: 2 held.
        foreach (var (component, app, held) in new[]
        {
            (ComponentA, "wxa00000000000000000", true), (ComponentA, "wxa00000000000000001", true), (ComponentA, "wxa00000000000000002", true),
            (ComponentA, "wxa00000000000000003", false), (ComponentB, "wxb00000000000000000", true), (ComponentB, "wxb00000000000000001", true),
        })
        {
            var key = new TokenSlotKey(TokenKind.AuthorizerAccessToken, component, app);
            engine.AddDynamicSlot(key, source);
            if (held)
            {
                var token = new StoredToken("seed-value-" + app, now + TimeSpan.FromHours(1), now - TimeSpan.FromHours(1), 1);
                Assert.True(await store.TryWriteAsync(key, token, default));
                engine.Adopt(key, token);
            }
        }

        using (var json = JsonDocument.Parse(await server.GetTextAsync("/status.json")))
        {
            var counts = json.RootElement.GetProperty("dynamicKeyCounts").EnumerateArray()
                .ToDictionary(c => c.GetProperty("componentAppId").GetString()!);
            Assert.Equal(2, counts.Count);
            var a = counts[ComponentA];
            Assert.Equal("authorizer_access_token", a.GetProperty("kind").GetString());
            Assert.Equal(3, a.GetProperty("valid").GetInt32());
            Assert.Equal(1, a.GetProperty("invalid").GetInt32());
            Assert.Equal(1, a.GetProperty("needsReauthorization").GetInt32());
            var b = counts[ComponentB];
            Assert.Equal(2, b.GetProperty("valid").GetInt32());
            Assert.Equal(0, b.GetProperty("invalid").GetInt32());
            Assert.Equal(0, b.GetProperty("needsReauthorization").GetInt32());
        }

        await using var browser = await OperatorBrowser.StartAsync();
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(server.WebAddress.ToString());
        var rows = page.Locator("#dynamic tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        var first = rows.First.Locator("td");
        await Assertions.Expect(first.Nth(0)).ToHaveTextAsync("authorizer_access_token");
        await Assertions.Expect(first.Nth(1)).ToHaveTextAsync(ComponentA);
        await Assertions.Expect(first.Nth(2)).ToHaveTextAsync("3");
        await Assertions.Expect(first.Nth(3)).ToHaveTextAsync("1");
        await Assertions.Expect(first.Nth(4)).ToHaveTextAsync("1");
        await Assertions.Expect(rows.Nth(1).Locator("td").Nth(1)).ToHaveTextAsync(ComponentB);
        Assert.DoesNotContain("seed-value-", await page.ContentAsync(), StringComparison.Ordinal);
    }

    /// <summary>The seeded authorizers' source: never asked to fetch (tokens live an hour); reports re-authorization for some.</summary>
    private sealed class Authorizers : ITokenSource, IKeyStateReporter
    {
        public HashSet<string> Reauthorize { get; } = new(StringComparer.Ordinal);

        public TokenKind Kind => TokenKind.AuthorizerAccessToken;

        public IReadOnlyCollection<TokenSlotKey> Keys => [];

        public string GrantName(TokenSlotKey key) => "authorizer_refresh_token";

        public RefreshWindow Window(TokenSlotKey key) => new(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));

        public string StateOf(TokenSlotKey key) => Reauthorize.Contains(key.AppId) ? "needs re-authorization" : string.Empty;

        public Task<UpstreamTokenResult> FetchAsync(TokenSlotKey key, string? staleValue, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("seeded authorizers are not refreshed in this test");
    }
}
