namespace Tether.BrowserTests;

/// <summary>
/// Cookies that circuit events set reach Chromium through Tether's cookie handoff: interactive sign-in and sign-out,
/// a session created in an event, and sliding renewals of the authentication ticket.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class CookieHandoffBrowserTests(ShopFixture shop)
{
    private const string AuthCookie = ".AspNetCore.Identity.Application";
    private const string SessionCookie = ".AspNetCore.Session";

    [Fact]
    public async Task Interactive_sign_in_updates_the_page_at_once_and_a_reload_stays_signed_in_with_an_HttpOnly_cookie()
    {
        var page = await shop.NewInteractivePageAsync("/billing");
        await Expect(page.Locator("#billing-user")).ToHaveTextAsync("a guest");

        var redemption = await SignInInteractivelyAsync(page);
        Assert.Equal(204, redemption.Status);
        await Expect(page.Locator("#account-user")).ToHaveTextAsync(Customer);
        await Expect(page.Locator("#billing-user")).ToHaveTextAsync(Customer);

        var cookies = await page.Context.CookiesAsync();
        var auth = Assert.Single(cookies, c => c.Name == AuthCookie);
        Assert.True(auth.HttpOnly);
        Assert.True(Assert.Single(cookies, c => c.Name == SessionCookie).HttpOnly);
        var script = await page.EvaluateAsync<string>("document.cookie");
        Assert.DoesNotContain(AuthCookie, script, StringComparison.Ordinal);
        Assert.DoesNotContain(SessionCookie, script, StringComparison.Ordinal);

        Assert.Equal(Customer, (await SessionAsync(page.Context)).GetProperty("user").GetString());
        await page.ReloadAsync();
        await Expect(page.Locator("#layout-user")).ToHaveTextAsync(Customer);
        await WaitInteractiveAsync(page);
        await Expect(page.Locator("#account-user")).ToHaveTextAsync(Customer);

        // The circuit's events and the HTTP pages share one session.
        await page.ClickAsync("#pay");
        await Expect(page.Locator("#billing-status")).ToHaveTextAsync("pending");
        Assert.Equal("pending", (await SessionAsync(page.Context)).GetProperty("last_payment_status").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Interactive_sign_out_updates_the_page_at_once_and_a_reload_stays_signed_out()
    {
        var page = await shop.NewInteractivePageAsync("/billing");
        await SignInInteractivelyAsync(page);
        await Expect(page.Locator("#account-user")).ToHaveTextAsync(Customer);

        var redemption = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#interactive-sign-out"), IsRedemption);
        Assert.Equal(204, redemption.Status);
        await Expect(page.Locator("#billing-user")).ToHaveTextAsync("a guest");
        await Expect(page.Locator("#interactive-sign-in")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == AuthCookie);

        Assert.Equal(JsonValueKind.Null, (await SessionAsync(page.Context)).GetProperty("user").ValueKind);
        await page.ReloadAsync();
        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await WaitInteractiveAsync(page);
        await Expect(page.Locator("#billing-user")).ToHaveTextAsync("a guest");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_cart_item_added_in_an_event_before_any_page_wrote_the_session_is_in_the_http_session()
    {
        var page = await shop.NewInteractivePageAsync("/billing");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);

        var redemption = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#gift-card"), IsRedemption);
        Assert.Equal(204, redemption.Status);
        await Expect(page.Locator("#billing-cart")).ToHaveTextAsync("Gift card");
        Assert.True(Assert.Single(await page.Context.CookiesAsync(), c => c.Name == SessionCookie).HttpOnly);

        var session = await SessionAsync(page.Context);
        Assert.Equal(["Gift card"], session.GetProperty("cart").EnumerateArray().Select(e => e.GetString()));

        // And the other way round: what HTTP adds next is in the same session the circuit reads.
        await page.GotoAsync("/");
        await page.Locator("article", new() { HasText = "Wool scarf" }).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.Locator("#http-cart")).ToContainTextAsync("Gift card");
        await Expect(page.Locator("#http-cart")).ToContainTextAsync("Wool scarf");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_user_who_only_clicks_in_a_circuit_for_longer_than_the_ticket_lifetime_stays_signed_in()
    {
        var page = await shop.NewInteractivePageAsync("/billing");
        await SignInInteractivelyAsync(page);
        await Expect(page.Locator("#account-user")).ToHaveTextAsync(Customer);

        // Tickets last 10 minutes and slide: an event after more than half of that renews it. Three clicks 6 minutes
        // apart span 18 minutes; each renewal reaches the browser.
        for (var i = 0; i < 3; i++)
        {
            shop.AuthClock.Advance(TimeSpan.FromMinutes(6));
            var redemption = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#pay"), IsRedemption);
            Assert.Equal(204, redemption.Status);
            await Expect(page.Locator("#billing-status")).ToHaveTextAsync("pending");
            await Expect(page.Locator("#billing-user")).ToHaveTextAsync(Customer);
        }

        Assert.Equal(Customer, (await SessionAsync(page.Context)).GetProperty("user").GetString());
        await page.ReloadAsync();
        await Expect(page.Locator("#layout-user")).ToHaveTextAsync(Customer);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_session_a_js_signalr_hub_call_created_reaches_the_http_pages()
    {
        var page = await shop.NewPageAsync();
        await page.GotoAsync("/live");
        await Expect(page.Locator("[data-live]")).ToBeAttachedAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);

        var redemption = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("[data-add='Rain jacket']"), IsRedemption);
        Assert.Equal(204, redemption.Status);
        await Expect(page.Locator("#live-cart")).ToContainTextAsync("Rain jacket");
        Assert.True(Assert.Single(await page.Context.CookiesAsync(), c => c.Name == SessionCookie).HttpOnly);

        await page.GotoAsync("/");
        await Expect(page.Locator("#http-cart")).ToContainTextAsync("Rain jacket");
        await page.Context.CloseAsync();
    }

    private static bool IsRedemption(IResponse response)
        => response.Request.Method == "POST" && response.Url.EndsWith("/_tether/cookies", StringComparison.Ordinal);

    private static async Task<IResponse> SignInInteractivelyAsync(IPage page)
    {
        await page.FillAsync("#interactive-email", Customer);
        await page.FillAsync("#interactive-password", CustomerPassword);
        return await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#interactive-sign-in"), IsRedemption);
    }
}
