namespace Tether.BrowserTests;

/// <summary>
/// The Shop's two guards of one handler, in Chromium: the deals button held to a few clicks per user by ASP.NET Core's
/// rate limiter, and the catalogue's admin-only action on a public page.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class HandlerGuardBrowserTests(ShopFixture shop)
{
    [Fact]
    public async Task A_click_on_the_deals_button_beyond_its_limit_does_not_count_and_says_so_and_another_user_still_clicks()
    {
        // The Shop's limit is three clicks per user in a window the fixture makes an hour long: nothing refills meanwhile.
        var context = await shop.NewContextAsync();
        var page = await shop.NewPageAsync(context);
        await shop.SignInAsync(page, ShopSteps.Customer, ShopSteps.CustomerPassword, "/deals");
        await ShopSteps.WaitInteractiveAsync(page);
        for (var click = 1; click <= 3; click++)
        {
            await page.ClickAsync("#grab");
            await Expect(page.Locator("#grabbed")).ToHaveTextAsync(click.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await page.ClickAsync("#grab");

        await Expect(page.Locator("#too-fast")).ToBeVisibleAsync();
        await Expect(page.Locator("#grabbed")).ToHaveTextAsync("3");
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();

        // The limit is per user: the admin's clicks on the same page still count.
        var adminContext = await shop.NewContextAsync();
        var admin = await shop.NewPageAsync(adminContext);
        await shop.SignInAsync(admin, "admin@shop.test", "Admin#2026", "/deals");
        await ShopSteps.WaitInteractiveAsync(admin);
        await admin.ClickAsync("#grab");
        await Expect(admin.Locator("#grabbed")).ToHaveTextAsync("1");
        await Expect(admin.Locator("#too-fast")).ToHaveCountAsync(0);
        await context.CloseAsync();
        await adminContext.CloseAsync();
    }

    [Fact]
    public async Task The_catalogues_admin_only_action_is_refused_for_a_customer_sends_a_visitor_to_sign_in_and_runs_for_an_admin()
    {
        var customerContext = await shop.NewContextAsync();
        var customer = await shop.NewPageAsync(customerContext);
        await shop.SignInAsync(customer, ShopSteps.Customer, ShopSteps.CustomerPassword, "/");
        await ShopSteps.WaitInteractiveAsync(customer);
        var before = await customer.Locator("#featured").TextContentAsync();
        await customer.ClickAsync("#feature-0");
        await Expect(customer.Locator("#feature-refused")).ToBeVisibleAsync();
        await Expect(customer.Locator("#featured")).ToHaveTextAsync(before!);
        await Expect(customer).ToHaveURLAsync(shop.BaseUrl + "/");

        // Signed out, the same click goes to the login page, which brings the visitor back to the catalogue.
        var visitor = await shop.NewPageAsync();
        await ShopSteps.OpenInteractiveAsync(visitor, "/");
        await visitor.ClickAsync("#feature-0");
        await Expect(visitor).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login\\?ReturnUrl=%2F$"));

        var adminContext = await shop.NewContextAsync();
        var admin = await shop.NewPageAsync(adminContext);
        await shop.SignInAsync(admin, "admin@shop.test", "Admin#2026", "/");
        await ShopSteps.WaitInteractiveAsync(admin);
        var product = (await admin.Locator("#feature-1").TextContentAsync())!.Replace("Feature ", string.Empty, StringComparison.Ordinal);
        await admin.ClickAsync("#feature-1");
        await Expect(admin.Locator("#featured")).ToHaveTextAsync(product);
        await Expect(admin.Locator("#feature-refused")).ToHaveCountAsync(0);
        await customerContext.CloseAsync();
        await adminContext.CloseAsync();
        await visitor.Context.CloseAsync();
    }
}
