namespace Tether.BrowserTests;

/// <summary>
/// An enhanced navigation that ends in a redirect, the Shop's language switch (<c>/culture?...</c>, a 302 back to the
/// page): Blazor reports the URL from before the redirect (dotnet/aspnetcore#60836), yet the circuit's next events run
/// at the page the browser shows, with that page's protection, query and culture.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class EnhancedRedirectBrowserTests(ShopFixture shop)
{
    [Fact]
    public async Task After_a_language_switch_the_profiles_events_run_at_the_profile_and_its_guard_still_fires_after_a_sign_out_elsewhere()
    {
        var profile = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/profile");
        await shop.SwitchLanguageAsync(profile, "fr-FR", "/profile");

        await profile.ClickAsync("#refresh");
        await Expect(profile.Locator("#profile-path")).ToHaveTextAsync("/profile");
        await Expect(profile.Locator("#profile-user")).ToHaveTextAsync(Customer);

        // A sign-out in another tab: the profile's circuit re-checks at once, at /profile, where the Shop's event guard
        // sends anonymous users to sign in. Run at /culture, the guard would not fire and the page would stay.
        await shop.SignOutInAnotherTabAsync(profile.Context);
        await Expect(profile).ToHaveURLAsync(shop.BaseUrl + "/account/login?returnUrl=%2Fprofile");
        await profile.Context.CloseAsync();
    }

    [Fact]
    public async Task After_a_language_switch_a_search_reads_the_query_of_the_page_it_runs_on()
    {
        var page = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/search?q=Canvas");
        await shop.SwitchLanguageAsync(page, "fr-FR", "/search?q=Canvas");

        await page.ClickAsync("#run");
        await Expect(page.Locator("#seen-query")).ToHaveTextAsync("Canvas");
        await Expect(page.Locator("#results li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#results")).ToContainTextAsync("Canvas shoe");

        // A navigation inside the circuit since: Blazor's own location is right again, and the events follow it.
        await shop.SearchInCircuitAsync(page, "scarf");
        await page.ClickAsync("#run");
        await Expect(page.Locator("#seen-query")).ToHaveTextAsync("scarf");
        await Expect(page.Locator("#results li")).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task After_a_language_switch_a_culture_set_later_by_a_fetch_and_a_resync_is_the_culture_of_the_next_event()
    {
        var page = await shop.NewPageAsync();
        await page.GotoAsync("/billing");
        await WaitInteractiveAsync(page);
        await shop.SwitchLanguageAsync(page, "fr-FR", "/billing");
        await CheckInvoiceAsync(page, "fr-FR");

        // The switch's ?culture=fr-FR is not the page's query: the cookie that a later HTTP request set decides.
        await page.EvaluateAsync("() => fetch('/culture?culture=de-DE&returnUrl=%2Fbilling', { credentials: 'same-origin' })");
        Assert.True(await page.EvaluateAsync<bool>("() => window.tether.resyncCookies()"));
        await CheckInvoiceAsync(page, "de-DE");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_refused_click_completes_as_refused_and_the_next_click_on_the_same_circuit_completes_too()
    {
        var page = await shop.NewPageAsync();
        var calls = CircuitCalls.Track(page);
        await OpenInteractiveAsync(page, shop.TooLongProfileUrl());
        var rejectedBefore = shop.Logged("LocationRejected");

        await page.ClickAsync("#refresh");
        await WaitForAsync(() => shop.Logged("LocationRejected") > rejectedBefore);
        await WaitForAsync(() => calls.Pending.Count == 0);
        var (completed, failed) = calls.Answered;
        Assert.Equal(1, failed);
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();

        // The same circuit, at a location it accepts: an enhanced navigation, then an ordinary click.
        await page.EvaluateAsync("() => Blazor.navigateTo('/search')");
        await Expect(page.Locator("#run")).ToBeVisibleAsync();
        await WaitInteractiveAsync(page);
        await page.ClickAsync("#run");
        await Expect(page.Locator("#sign-in-message")).ToBeVisibleAsync();
        await WaitForAsync(() => calls.Pending.Count == 0);
        Assert.True(calls.Answered.Completed > completed);
        Assert.Equal(1, calls.Answered.Failed);
        await page.Context.CloseAsync();
    }

    private static async Task CheckInvoiceAsync(IPage page, string culture)
    {
        await page.ClickAsync("#invoice-check");
        await Expect(page.Locator("#invoice-event-culture")).ToHaveTextAsync(culture);
    }
}
