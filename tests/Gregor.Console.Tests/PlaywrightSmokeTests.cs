using Microsoft.Playwright;

namespace Gregor.Console.Tests;

public sealed class PlaywrightSmokeTests
{
    [Fact]
    public async Task Chromium_RendersAPage()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true });
        var page = await browser.NewPageAsync();
        await page.SetContentAsync("<h1>hi</h1>");
        Assert.Equal("hi", await page.InnerTextAsync("h1"));
    }
}
