namespace Tether.BrowserTests;

/// <summary>The steps a user takes in the Shop, shared by the browser tests.</summary>
internal static class ShopSteps
{
    public const string Customer = "customer@shop.test";

    public const string CustomerPassword = "Customer#2026";

    public const string Admin = "admin@shop.test";

    public const string AdminPassword = "Admin#2026";

    public static Task SignInAsync(this ShopFixture shop, IPage page, string email, string password, string returnUrl, bool expectReturnUrl = true)
        => SignInAtAsync(page, shop.BaseUrl, email, password, returnUrl, expectReturnUrl);

    /// <summary>Signs in on the Shop node at <paramref name="baseUrl"/> with its login form, and lands on <paramref name="returnUrl"/>.</summary>
    public static async Task SignInAtAsync(IPage page, string baseUrl, string email, string password, string returnUrl, bool expectReturnUrl = true)
    {
        await page.GotoAsync(baseUrl + "/account/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login");
        if (expectReturnUrl)
        {
            await Expect(page).ToHaveURLAsync(baseUrl + returnUrl);
        }
    }

    /// <summary>
    /// A new page (in <paramref name="context"/>, or in a browser of its own), signed in with the login form, at
    /// <paramref name="returnUrl"/> once its circuit is up.
    /// </summary>
    public static async Task<IPage> NewSignedInPageAsync(this ShopFixture shop, string email, string password, string returnUrl, IBrowserContext? context = null)
    {
        var page = await shop.NewPageAsync(context);
        await shop.SignInAsync(page, email, password, returnUrl);
        await WaitInteractiveAsync(page);
        return page;
    }

    /// <summary>Signs out in another tab of <paramref name="browser"/> (the header's sign-out form) and returns that tab.</summary>
    public static async Task<IPage> SignOutInAnotherTabAsync(this ShopFixture shop, IBrowserContext browser)
    {
        var tab = await shop.NewPageAsync(browser);
        await tab.GotoAsync("/");
        await tab.ClickAsync("#sign-out");
        await Expect(tab.Locator("#sign-in")).ToBeVisibleAsync();
        return tab;
    }

    /// <summary>A new page, in a browser of its own, at <paramref name="url"/> once its circuit is up.</summary>
    public static async Task<IPage> NewInteractivePageAsync(this ShopFixture shop, string url)
    {
        var page = await shop.NewPageAsync();
        await OpenInteractiveAsync(page, url);
        return page;
    }

    /// <summary>
    /// A <c>/profile</c> address Kestrel serves, but whose absolute location, as Blazor reports it, is longer than Tether's
    /// MaxLocationLength (8,192), so Tether refuses the page's events.
    /// </summary>
    public static string TooLongProfileUrl(this ShopFixture shop)
    {
        const string Prefix = "/profile?x=";
        return Prefix + new string('a', 8196 - (shop.BaseUrl + Prefix).Length);
    }

    /// <summary>How many records of Tether's event <paramref name="eventName"/> the Shop has logged so far.</summary>
    public static int Logged(this ShopFixture shop, string eventName) => shop.Logs.GetSnapshot().Count(e => e.Id.Name == eventName);

    public static async Task OpenInteractiveAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        await WaitInteractiveAsync(page);
    }

    public static Task WaitInteractiveAsync(IPage page) => Expect(page.Locator("[data-live]")).ToBeAttachedAsync();

    /// <summary>
    /// Presses a language in the header: an enhanced navigation to <c>/culture?...</c>, a redirect back, then the page's
    /// cookie resync, which Tether's script sends after it told the circuit where the page is. Awaited, not slept on.
    /// </summary>
    public static async Task SwitchLanguageAsync(this ShopFixture shop, IPage page, string culture, string pageUrl)
    {
        var resync = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#lang-" + culture), response => response.Url == shop.BaseUrl + "/_tether/cookies/resync");
        Assert.Equal(204, resync.Status);
        await Expect(page).ToHaveURLAsync(shop.BaseUrl + pageUrl);
    }

    /// <summary>
    /// Searches for <paramref name="query"/> with the search page's own form: a navigation inside the circuit, no HTTP
    /// request. Returns once the page shows the new address.
    /// </summary>
    public static async Task SearchInCircuitAsync(this ShopFixture shop, IPage page, string query)
    {
        await page.FillAsync("#query", query);
        await page.ClickAsync("#go");
        await Expect(page).ToHaveURLAsync(shop.BaseUrl + "/search?q=" + query);
    }

    /// <summary>The Shop's session as its <c>/api/session</c> endpoint shows it to this browser context.</summary>
    public static async Task<JsonElement> SessionAsync(IBrowserContext context)
    {
        var response = await context.APIRequest.GetAsync("/api/session");
        Assert.True(response.Ok);
        return JsonDocument.Parse(await response.TextAsync()).RootElement.Clone();
    }
}
