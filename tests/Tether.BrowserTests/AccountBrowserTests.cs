namespace Tether.BrowserTests;

/// <summary>
/// The Shop's interactive account area (<c>/account</c>): register, sign in with lockout and "remember me", change the
/// password (which signs the user's other sign-ins out) and sign out, all in click handlers with Identity's own calls, no
/// reload; a reload, <c>/api/session</c> and the user's other tabs agree.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class AccountBrowserTests(ShopFixture shop)
{
    private const string Password = "Account#2026";
    private const string NewPassword = "Account#2027";

    [Fact]
    public async Task Register_change_password_sign_out_and_sign_in_again_never_leave_the_circuit_and_reloads_http_and_other_tabs_agree()
    {
        var email = $"new-{Guid.NewGuid():N}@shop.test";
        var browser = await shop.NewContextAsync();
        var page = await shop.NewPageAsync(browser);
        await OpenInteractiveAsync(page, "/account");
        await Expect(page.Locator("#acct-user")).ToHaveTextAsync("a guest");

        await page.FillAsync("#reg-email", email);
        await page.FillAsync("#reg-password", Password);
        await ClickAndRedeemAsync(page, "#register");
        await Expect(page.Locator("#acct-user")).ToHaveTextAsync(email);
        await Expect(page.Locator("#acct-auth")).ToHaveTextAsync(email);
        Assert.Equal(shop.BaseUrl + "/account", page.Url);
        Assert.Equal(email, (await SessionAsync(browser)).GetProperty("user").GetString());

        // Another device of the same user, signed in over HTTP.
        var device = await shop.NewContextAsync();
        var deviceBilling = await shop.NewPageAsync(device);
        await shop.SignInAsync(deviceBilling, email, Password, "/billing");
        await WaitInteractiveAsync(deviceBilling);
        await Expect(deviceBilling.Locator("#billing-auth")).ToHaveTextAsync(email);

        await page.FillAsync("#cp-current", Password);
        await page.FillAsync("#cp-new", NewPassword);
        await ClickAndRedeemAsync(page, "#change-password");
        await Expect(page.Locator("#acct-message")).ToHaveTextAsync("Password changed; your other sign-ins were signed out.");
        await Expect(page.Locator("#acct-user")).ToHaveTextAsync(email);

        // The other device's open page flips with no click; this browser stays signed in, over HTTP too.
        await Expect(deviceBilling.Locator("#billing-auth")).ToHaveTextAsync("signed out");
        Assert.Equal(email, (await SessionAsync(browser)).GetProperty("user").GetString());
        var otherTab = await shop.NewPageAsync(browser);
        await OpenInteractiveAsync(otherTab, "/billing");
        await Expect(otherTab.Locator("#billing-auth")).ToHaveTextAsync(email);

        await ClickAndRedeemAsync(page, "#acct-sign-out");
        await Expect(page.Locator("#acct-user")).ToHaveTextAsync("a guest");
        await Expect(page.Locator("#acct-auth")).ToHaveTextAsync("signed out");
        await Expect(otherTab.Locator("#billing-auth")).ToHaveTextAsync("signed out");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await SessionAsync(browser)).GetProperty("user").ValueKind);
        await page.ReloadAsync();
        await WaitInteractiveAsync(page);
        await Expect(page.Locator("#acct-user")).ToHaveTextAsync("a guest");

        // Signing in again takes the new password; "remember me" makes the cookie outlive the browser session.
        await page.FillAsync("#acct-email", email);
        await page.FillAsync("#acct-password", NewPassword);
        await page.CheckAsync("#acct-remember");
        await ClickAndRedeemAsync(page, "#acct-sign-in");
        await Expect(page.Locator("#acct-user")).ToHaveTextAsync(email);
        var auth = Assert.Single(await browser.CookiesAsync(), c => c.Name == ".AspNetCore.Identity.Application");
        Assert.True(auth.HttpOnly);
        Assert.True(auth.Expires > DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "a remember-me sign-in sets a persistent cookie");
        await page.ReloadAsync();
        await Expect(page.Locator("#layout-user")).ToHaveTextAsync(email);
        await browser.CloseAsync();
        await device.CloseAsync();
    }

    [Fact]
    public async Task Wrong_passwords_lock_the_account_out_and_then_the_right_one_is_refused_too()
    {
        var email = $"locked-{Guid.NewGuid():N}@shop.test";
        var browser = await shop.NewContextAsync();
        var page = await shop.NewPageAsync(browser);
        await OpenInteractiveAsync(page, "/account");
        await page.FillAsync("#reg-email", email);
        await page.FillAsync("#reg-password", Password);
        await ClickAndRedeemAsync(page, "#register");
        await ClickAndRedeemAsync(page, "#acct-sign-out");
        await Expect(page.Locator("#acct-user")).ToHaveTextAsync("a guest");

        await page.FillAsync("#acct-email", email);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await page.FillAsync("#acct-password", "Wrong#" + attempt);
            await page.ClickAsync("#acct-sign-in");
            await Expect(page.Locator("#acct-message")).ToHaveTextAsync(attempt < 5 ? "Wrong email or password." : "This account is locked out.");
            await Expect(page.Locator("#acct-password")).ToHaveValueAsync(string.Empty);
        }

        await page.FillAsync("#acct-password", Password);
        await page.ClickAsync("#acct-sign-in");
        await Expect(page.Locator("#acct-password")).ToHaveValueAsync(string.Empty);
        await Expect(page.Locator("#acct-message")).ToHaveTextAsync("This account is locked out.");
        await Expect(page.Locator("#acct-user")).ToHaveTextAsync("a guest");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await SessionAsync(browser)).GetProperty("user").ValueKind);
        await browser.CloseAsync();
    }

    // Clicks, and waits for the browser to redeem the cookies the click's event set (Tether's script posts them back).
    private async Task ClickAndRedeemAsync(IPage page, string selector)
    {
        var redemption = await page.RunAndWaitForResponseAsync(() => page.ClickAsync(selector), r => r.Url == shop.BaseUrl + "/_tether/cookies");
        Assert.Equal(204, redemption.Status);
    }
}
