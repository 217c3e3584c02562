using Microsoft.Playwright;

namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>Debian's Chromium driven by Playwright (never a downloaded browser), with an operator key on every request.</summary>
public sealed class OperatorBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private OperatorBrowser(IPlaywright playwright, IBrowser browser, IBrowserContext context)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
    }

    public IBrowserContext Context { get; }

    /// <summary>
    /// How long an expectation or a page action may wait for the page to catch up. Playwright's 5 s default is a
    /// real-time bound that a loaded 2-core machine exceeds rendering 10,000 authorizers (the page rendered, late,
    /// in both failures seen): a hang guard like <c>Eventually</c>'s, not a speed assertion — speed is benchmarked.
    /// </summary>
    public static readonly TimeSpan PatienceBound = TimeSpan.FromSeconds(60);

    public static async Task<OperatorBrowser> StartAsync(int width = 1280, int height = 900)
    {
        Assertions.SetDefaultExpectTimeout((float)PatienceBound.TotalMilliseconds);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + TestKeys.OperatorKey },
        });
        context.SetDefaultTimeout((float)PatienceBound.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)PatienceBound.TotalMilliseconds);
        return new OperatorBrowser(playwright, browser, context);
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
