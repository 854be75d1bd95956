using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Tether.BrowserTests;

/// <summary>
/// The Shop's language switch: <c>/culture</c> sets the culture cookie over HTTP and redirects back; every event of the
/// page's circuit then runs, and renders, in that culture through <c>events.UseRequestLocalization()</c>.
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

        await page.ClickAsync("#lang-fr-FR");
        await Expect(page).ToHaveURLAsync(shop.BaseUrl + "/billing");
        await CheckInvoiceAsync(page, "fr-FR");
        await Expect(page.Locator("#invoice-amount")).ToHaveTextAsync(FrenchAmount());
        await Expect(page.Locator("#invoice-date")).ToContainTextAsync("décembre");

        await page.ClickAsync("#lang-de-DE");
        await Expect(page).ToHaveURLAsync(shop.BaseUrl + "/billing");
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
