using System.Text.RegularExpressions;

namespace Tether.BrowserTests;

/// <summary>
/// The Shop's language switch: <c>/culture</c> sets the culture cookie over HTTP and redirects back, by an enhanced
/// navigation that keeps the circuit; the page resyncs the browser's cookies into it, and every event of the circuit
/// then runs, and renders, in that culture through <c>events.UseRequestLocalization()</c>.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed partial class CultureBrowserTests(ShopFixture shop)
{
    [Fact]
    public async Task A_language_switched_over_http_is_the_culture_of_the_next_event_and_formats_its_prices_and_dates()
    {
        var page = await shop.NewPageAsync();
        await page.GotoAsync("/billing");
        await CheckInvoiceAsync(page, "en-US");
        await Expect(page.Locator("#invoice-amount")).ToHaveTextAsync("$1,234.50");
        await Expect(page.Locator("#invoice-date")).ToContainTextAsync("December");

        // The same document (an enhanced navigation, no reload). Blazor may keep or replace the page's circuit here; either
        // way its next event runs in the new culture. That a kept circuit learns the cookie by the resync is the next test's.
        await page.EvaluateAsync("() => window.sameDocument = true");
        await SwitchAsync(page, "#lang-fr-FR");
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"));
        await CheckInvoiceAsync(page, "fr-FR");
        await Expect(page.Locator("#invoice-amount")).ToHaveTextAsync(FrenchAmount());
        await Expect(page.Locator("#invoice-date")).ToContainTextAsync("décembre");

        await SwitchAsync(page, "#lang-de-DE");
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"));
        await CheckInvoiceAsync(page, "de-DE");
        await Expect(page.Locator("#invoice-amount")).ToHaveTextAsync("1.234,50 $");
        await Expect(page.Locator("#invoice-date")).ToContainTextAsync("Dezember");

        // Another browser, with no culture cookie, is not affected.
        var other = await shop.NewPageAsync();
        await other.GotoAsync("/billing");
        await CheckInvoiceAsync(other, "en-US");

        await page.Context.CloseAsync();
        await other.Context.CloseAsync();
    }

    [Fact]
    public async Task A_culture_cookie_set_over_http_while_the_circuit_stays_open_reaches_its_next_event_after_a_resync()
    {
        var page = await shop.NewPageAsync();
        await page.GotoAsync("/billing");
        await CheckInvoiceAsync(page, "en-US");

        // An HTTP request of the page (no navigation, so the same circuit on the same socket) sets the culture cookie.
        await page.EvaluateAsync("() => fetch('/culture?culture=fr-FR&returnUrl=%2Fbilling', { credentials: 'same-origin' })");
        await CheckInvoiceAsync(page, "en-US");

        // The page resyncs the circuit's cookies (as it does by itself after an enhanced navigation, or when the tab is
        // shown again): the circuit's next event runs in the new culture.
        Assert.True(await page.EvaluateAsync<bool>("() => window.tether.resyncCookies()"));
        await CheckInvoiceAsync(page, "fr-FR");
        await page.Context.CloseAsync();
    }

    // The switch's HTTP response set the cookie; the page then resyncs the circuit's cookies: awaited, not slept on.
    private async Task SwitchAsync(IPage page, string link)
    {
        var resync = await page.RunAndWaitForResponseAsync(() => page.ClickAsync(link), response => response.Url == shop.BaseUrl + "/_tether/cookies/resync");
        Assert.Equal(204, resync.Status);
        await Expect(page).ToHaveURLAsync(shop.BaseUrl + "/billing");
    }

    private static async Task CheckInvoiceAsync(IPage page, string culture)
    {
        await Expect(page.Locator("[data-live]")).ToBeAttachedAsync();
        await page.ClickAsync("#invoice-check");
        await Expect(page.Locator("#invoice-event-culture")).ToHaveTextAsync(culture);
        await Expect(page.Locator("#invoice-culture")).ToHaveTextAsync(culture);
    }

    // French groups digits with a narrow no-break space (ICU), and puts the symbol after a no-break space.
    [GeneratedRegex(@"^1\s?234,50\s\$$")]
    private static partial Regex FrenchAmount();
}
