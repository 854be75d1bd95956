using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Tether.BrowserTests;

[Collection(ShopCollection.Name)]
public sealed class PageAuthorizationBrowserTests(ShopFixture shop)
{
    [Fact]
    public async Task An_admin_who_loses_the_role_in_another_browser_cannot_press_the_admin_consoles_button_once_more()
    {
        // An admin of this test's own, so the demo accounts stay as they are for the other tests.
        var email = $"ops-{Guid.NewGuid():N}@shop.test";
        await using (var scope = shop.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            var user = new IdentityUser { UserName = email, Email = email, EmailConfirmed = true };
            Assert.True((await users.CreateAsync(user, "Ops#2026-console")).Succeeded);
            Assert.True((await users.AddToRoleAsync(user, "admin")).Succeeded);
        }

        var ops = await shop.NewContextAsync();
        var console = await shop.NewSignedInPageAsync(email, "Ops#2026-console", "/admin/console", ops);
        await console.ClickAsync("#console-restock");
        await Expect(console.Locator("#console-count")).ToHaveTextAsync("1");

        var other = await shop.NewContextAsync();
        var admin = await shop.NewPageAsync(other);
        await shop.SignInAsync(admin, Admin, AdminPassword, "/admin");
        await admin.ClickAsync($"[data-demote=\"{email}\"]");
        await Expect(admin.Locator("#admin-demoted")).ToContainTextAsync(email);

        // The new security stamp revoked the account's sign-ins: with no click, the console's circuit follows, Blazor's
        // its AuthorizeView takes the console away and its button is gone. (A click that raced the push would have been
        // refused by the page's [Authorize], checked before every event's handler: Components/PageEventTests.)
        await Expect(console.Locator("#console-refused")).ToBeVisibleAsync();
        await Expect(console.Locator("#console-restock")).ToHaveCountAsync(0);
        await ops.CloseAsync();
        await other.CloseAsync();
    }
}
