namespace Tether.BrowserTests;

[Collection(ShopCollection.Name)]
public sealed class RevocationBrowserTests(ShopFixture shop)
{
    [Fact]
    public async Task A_sign_out_in_another_tab_flips_the_open_billing_and_live_tabs_with_no_click_and_leaves_another_user_alone()
    {
        var customer = await shop.NewContextAsync();
        var billing = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/billing", customer);
        await Expect(billing.Locator("#billing-auth")).ToHaveTextAsync(Customer);
        await Expect(billing.Locator("#billing-user")).ToHaveTextAsync(Customer);
        var live = await shop.NewPageAsync(customer);
        await live.GotoAsync("/live");
        await Expect(live.Locator("#live-user")).ToHaveTextAsync(Customer);

        var other = await shop.NewContextAsync();
        var adminBilling = await shop.NewSignedInPageAsync(Admin, AdminPassword, "/billing", other);
        await Expect(adminBilling.Locator("#billing-auth")).ToHaveTextAsync(Admin);

        await shop.SignOutInAnotherTabAsync(customer);

        // Blazor's own auth state (AuthorizeView) and the AppState snapshot both follow, with no click.
        await Expect(billing.Locator("#billing-auth")).ToHaveTextAsync("signed out");
        await Expect(billing.Locator("#billing-user")).ToHaveTextAsync("a guest");
        await Expect(live.Locator("#live-user")).ToHaveTextAsync("signed out");

        // Another user's tab did not flip: one more event there still runs as the admin.
        await adminBilling.ClickAsync("#pay");
        await Expect(adminBilling.Locator("#billing-status")).ToHaveTextAsync("pending");
        await Expect(adminBilling.Locator("#billing-auth")).ToHaveTextAsync(Admin);
        await customer.CloseAsync();
        await other.CloseAsync();
    }

    [Fact]
    public async Task An_interactive_sign_out_inside_a_circuit_revokes_too_and_flips_the_users_other_open_tab()
    {
        var browser = await shop.NewContextAsync();
        var first = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/billing", browser);
        await Expect(first.Locator("#billing-auth")).ToHaveTextAsync(Customer);
        var second = await shop.NewPageAsync(browser);
        await second.GotoAsync("/billing");
        await WaitInteractiveAsync(second);
        await Expect(second.Locator("#account-user")).ToHaveTextAsync(Customer);

        await second.ClickAsync("#interactive-sign-out");

        // The sign-out ran in the second tab's event, not over HTTP: it revoked the sign-in all the same.
        await Expect(first.Locator("#billing-auth")).ToHaveTextAsync("signed out");
        await Expect(first.Locator("#billing-user")).ToHaveTextAsync("a guest");
        await browser.CloseAsync();
    }

    [Fact]
    public async Task An_admin_revocation_flips_the_customers_open_tabs()
    {
        var customer = await shop.NewContextAsync();
        var billing = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/billing", customer);
        await Expect(billing.Locator("#billing-auth")).ToHaveTextAsync(Customer);

        var admin = await shop.NewPageAsync();
        await shop.SignInAsync(admin, Admin, AdminPassword, "/admin");
        await admin.ClickAsync($"[data-revoke='{Customer}']");
        await Expect(admin.Locator("#admin-revoked")).ToContainTextAsync(Customer);

        await Expect(billing.Locator("#billing-auth")).ToHaveTextAsync("signed out");
        await Expect(billing.Locator("#billing-user")).ToHaveTextAsync("a guest");
        await customer.CloseAsync();
        await admin.Context.CloseAsync();
    }

    [Fact]
    public async Task Sign_out_everywhere_on_the_profile_ends_every_tab_of_that_user()
    {
        var laptop = await shop.NewContextAsync();
        var profile = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/profile", laptop);
        await Expect(profile.Locator("#profile-auth")).ToHaveTextAsync(Customer);
        var phone = await shop.NewContextAsync();
        var billing = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/billing", phone);

        await profile.ClickAsync("#sign-out-everywhere");

        await Expect(billing.Locator("#billing-auth")).ToHaveTextAsync("signed out");
        await Expect(profile).ToHaveURLAsync(shop.BaseUrl + "/account/login?returnUrl=%2Fprofile");
        var api = await billing.Context.APIRequest.GetAsync("/api/session");
        Assert.Contains("\"user\":null", await api.TextAsync(), StringComparison.Ordinal);
        await laptop.CloseAsync();
        await phone.CloseAsync();
    }

    [Fact]
    public async Task On_a_shared_browser_the_old_tab_never_reads_the_next_users_session()
    {
        var browser = await shop.NewContextAsync();
        var oldTab = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/billing", browser);
        await Expect(oldTab.Locator("#billing-status")).ToHaveTextAsync("none");

        // Another tab of the same browser: the customer signs out, the admin signs in and pays.
        var tab = await shop.SignOutInAnotherTabAsync(browser);
        await shop.SignInAsync(tab, Admin, AdminPassword, "/billing");
        await WaitInteractiveAsync(tab);
        await tab.ClickAsync("#pay");
        await Expect(tab.Locator("#billing-status")).ToHaveTextAsync("pending");

        // The old tab acts: it is anonymous, and neither sees nor writes the admin's session.
        await Expect(oldTab.Locator("#billing-user")).ToHaveTextAsync("a guest");
        await oldTab.ClickAsync("#billing-refresh");
        await Expect(oldTab.Locator("#billing-status")).ToHaveTextAsync("none");
        await Expect(oldTab.Locator("#billing-auth")).ToHaveTextAsync("signed out");
        var session = await tab.Context.APIRequest.GetAsync("/api/session");
        Assert.Contains("\"last_payment_status\":\"pending\"", await session.TextAsync(), StringComparison.Ordinal);
        Assert.Contains(Admin, await session.TextAsync(), StringComparison.Ordinal);
        await browser.CloseAsync();
    }
}
