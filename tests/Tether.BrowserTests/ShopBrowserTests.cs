namespace Tether.BrowserTests;

[Collection(ShopCollection.Name)]
public sealed class ShopBrowserTests(ShopFixture shop)
{
    [Fact]
    public async Task Search_asks_anonymous_users_to_sign_in_then_lists_shoes_for_the_signed_in_user()
    {
        var page = await shop.NewInteractivePageAsync("/search?q=shoe");
        await page.ClickAsync("#run");
        await Expect(page.Locator("#sign-in-message")).ToBeVisibleAsync();

        await shop.SignInAsync(page, Customer, CustomerPassword, "/search?q=shoe");
        await Expect(page).ToHaveURLAsync(shop.BaseUrl + "/search?q=shoe");
        await WaitInteractiveAsync(page);
        await page.ClickAsync("#run");

        await Expect(page.Locator("#search-user")).ToHaveTextAsync(Customer);
        await Expect(page.Locator("#seen-query")).ToHaveTextAsync("shoe");
        await Expect(page.Locator("#results li")).ToHaveCountAsync(3);
        await Expect(page.Locator("#results")).ToContainTextAsync("Trail running shoe");
        await Expect(page.Locator("#results")).Not.ToContainTextAsync("Wool scarf");

        // A client-side navigation inside the circuit: no HTTP request, yet Request.Query follows the page.
        await shop.SearchInCircuitAsync(page, "scarf");
        await page.ClickAsync("#run");
        await Expect(page.Locator("#seen-query")).ToHaveTextAsync("scarf");
        await Expect(page.Locator("#results li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#results")).ToContainTextAsync("Wool scarf");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Pay_writes_the_session_that_http_reads_and_another_user_never_sees_it()
    {
        var customer = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/billing");
        await Expect(customer.Locator("#billing-user")).ToHaveTextAsync(Customer);
        await customer.ClickAsync("#pay");
        await Expect(customer.Locator("#billing-status")).ToHaveTextAsync("pending");

        var session = await SessionAsync(customer.Context);
        Assert.Equal(Customer, session.GetProperty("user").GetString());
        Assert.Equal("pending", session.GetProperty("last_payment_status").GetString());

        var admin = await shop.NewSignedInPageAsync(Admin, AdminPassword, "/billing");
        await Expect(admin.Locator("#billing-user")).ToHaveTextAsync(Admin);
        await Expect(admin.Locator("#billing-status")).ToHaveTextAsync("none");
        var adminSession = await SessionAsync(admin.Context);
        Assert.Equal(JsonValueKind.Null, adminSession.GetProperty("last_payment_status").ValueKind);

        await customer.Context.CloseAsync();
        await admin.Context.CloseAsync();
    }

    [Fact]
    public async Task Pay_sends_an_anonymous_user_to_sign_in()
    {
        var page = await shop.NewInteractivePageAsync("/billing");
        await Expect(page.Locator("#billing-user")).ToHaveTextAsync("a guest");
        await page.ClickAsync("#pay");

        await Expect(page).ToHaveURLAsync(shop.BaseUrl + "/account/login?returnUrl=%2Fbilling");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Profile_shows_what_http_put_in_the_session_and_the_browsers_address()
    {
        var page = await shop.NewPageAsync();
        await shop.SignInAsync(page, Customer, CustomerPassword, "/");
        await page.Locator("article", new() { HasText = "Wool scarf" }).GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.Locator("#http-cart")).ToContainTextAsync("Wool scarf");

        await OpenInteractiveAsync(page, "/profile");
        await page.ClickAsync("#refresh");
        await Expect(page.Locator("#profile-user")).ToHaveTextAsync(Customer);
        await Expect(page.Locator("#profile-cart")).ToHaveTextAsync("Wool scarf");
        await Expect(page.Locator("#profile-ip")).ToHaveTextAsync("127.0.0.1");
        await Expect(page.Locator("#profile-path")).ToHaveTextAsync("/profile");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_event_middleware_redirect_becomes_a_navigation_and_the_handler_does_not_run()
    {
        var page = await shop.NewPageAsync();
        await page.GotoAsync("/profile");

        // The circuit's first events already run the app's event middleware, which sends anonymous users to sign in.
        await Expect(page).ToHaveURLAsync(shop.BaseUrl + "/account/login?returnUrl=%2Fprofile");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_page_location_too_long_for_tether_refuses_the_events_instead_of_running_them_at_the_root()
    {
        var page = await shop.NewInteractivePageAsync(shop.TooLongProfileUrl());
        var rejectedBefore = shop.Logged("LocationRejected");
        var startedBefore = shop.Logs.GetSnapshot().Count(e => e.Id.Name == "EventStarted");
        var eventsBefore = await page.Locator("#profile-events").TextContentAsync();

        await page.ClickAsync("#refresh");
        await WaitForAsync(() => shop.Logged("LocationRejected") > rejectedBefore);

        // Run at "/", the Shop's event guard for /profile would not fire and the anonymous user would refresh freely.
        Assert.Equal(startedBefore, shop.Logs.GetSnapshot().Count(e => e.Id.Name == "EventStarted"));
        await Expect(page.Locator("#profile-user")).ToHaveTextAsync("anonymous");
        await Expect(page.Locator("#profile-events")).ToHaveTextAsync(eventsBefore!);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Signing_out_in_another_tab_ends_the_sign_in_on_the_open_socket_and_empties_its_session()
    {
        var context = await shop.NewContextAsync();
        var first = await shop.NewPageAsync(context);
        await shop.SignInAsync(first, Customer, CustomerPassword, "/");
        await first.Locator("article", new() { HasText = "Merino socks" }).GetByRole(AriaRole.Button).ClickAsync();
        await OpenInteractiveAsync(first, "/profile");
        await Expect(first.Locator("#profile-cart")).ToHaveTextAsync("Merino socks");

        await shop.SignOutInAnotherTabAsync(context);

        // The first tab's circuit still holds the handshake's cookie, whose ticket has not expired. The sign-out revoked
        // it on the server: with no click, the circuit re-checks, the profile's event guard sends it to sign in.
        await Expect(first).ToHaveURLAsync(shop.BaseUrl + "/account/login?returnUrl=%2Fprofile");
        await context.CloseAsync();
    }

    [Fact]
    public async Task A_handler_that_throws_is_caught_by_the_error_boundary_and_the_circuit_keeps_working()
    {
        var page = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/billing");
        await page.ClickAsync("#boom");
        await Expect(page.Locator("#boom-handled")).ToBeVisibleAsync();

        await page.ClickAsync("#pay");
        await Expect(page.Locator("#billing-status")).ToHaveTextAsync("pending");
        await Expect(page.Locator("#billing-user")).ToHaveTextAsync(Customer);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_session_store_outage_is_shown_to_the_user_and_the_circuit_survives_it()
    {
        var page = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/billing");
        await Expect(page.Locator("#billing-user")).ToHaveTextAsync(Customer);

        shop.Cache.Down = true;
        try
        {
            await page.ClickAsync("#pay");
            await Expect(page.Locator("#billing-denied")).ToContainTextAsync("503");
            await Expect(page.Locator("#billing-status")).ToHaveTextAsync("none");
        }
        finally
        {
            shop.Cache.Down = false;
        }

        await page.ClickAsync("#pay");
        await Expect(page.Locator("#billing-status")).ToHaveTextAsync("pending");
        await Expect(page.Locator("#billing-denied")).Not.ToBeAttachedAsync();
        Assert.Equal("pending", (await SessionAsync(page.Context)).GetProperty("last_payment_status").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_admin_page_keeps_the_full_http_pipeline()
    {
        var page = await shop.NewPageAsync();
        await page.GotoAsync("/admin");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));

        await shop.SignInAsync(page, Customer, CustomerPassword, "/admin", expectReturnUrl: false);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/denied"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Access denied");

        var admin = await shop.NewPageAsync();
        await shop.SignInAsync(admin, Admin, AdminPassword, "/admin");
        await Expect(admin.Locator("#admin-user")).ToHaveTextAsync(Admin);
        await page.Context.CloseAsync();
        await admin.Context.CloseAsync();
    }

    [Fact]
    public async Task A_click_runs_the_event_pipeline_once_and_render_acknowledgements_skip_it()
    {
        var page = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/profile");
        await Expect(page.Locator("#profile-events")).ToHaveTextAsync("1");
        shop.Logs.Clear();

        await page.ClickAsync("#refresh");
        await Expect(page.Locator("#profile-events")).ToHaveTextAsync("2");

        // The click's render is acknowledged by the browser after it is shown; wait for that acknowledgement.
        await WaitForAsync(() => Activities().Any(a => a == "OnRenderCompleted: passive"));
        var activities = Activities();
        // .NET 10's web renderer delivers browser events as a JS-to-.NET call (DispatchEventAsync), not DispatchBrowserEvent.
        Assert.Equal(["BeginInvokeDotNetFromJS: bridged"], activities.Where(a => a.EndsWith("bridged", StringComparison.Ordinal)));
        Assert.DoesNotContain(activities, a => a.StartsWith("OnRenderCompleted: bridged", StringComparison.Ordinal));
        Assert.Equal(activities.Count(a => a.EndsWith("bridged", StringComparison.Ordinal)), shop.Logs.GetSnapshot().Count(e => e.Id.Name == "EventStarted"));
        await page.Context.CloseAsync();

        List<string> Activities() => shop.Logs.GetSnapshot().Where(e => e.Id.Name == "CircuitActivity")
            .Select(e => e.Message.Replace("Circuit activity ", string.Empty, StringComparison.Ordinal).TrimEnd('.')).ToList();
    }

    [Fact]
    public async Task The_live_page_hub_sees_the_http_user_and_cart_and_follows_the_page_location()
    {
        var page = await shop.NewSignedInPageAsync(Customer, CustomerPassword, "/live");
        await Expect(page.Locator("#live-user")).ToHaveTextAsync(Customer);
        await Expect(page.Locator("#live-path")).ToHaveTextAsync("/live");

        await page.ClickAsync("[data-add='Rain jacket']");
        await Expect(page.Locator("#live-cart")).ToContainTextAsync("Rain jacket");
        await page.ClickAsync("#live-tab");
        await Expect(page.Locator("#live-path")).ToHaveTextAsync("/live?tab=orders");

        await page.GotoAsync("/");
        await Expect(page.Locator("#http-cart")).ToContainTextAsync("Rain jacket");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_location_report_that_failed_is_sent_again_before_the_next_hub_call()
    {
        var page = await shop.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.AddScriptTagAsync(new PageAddScriptTagOptions { Url = "/_content/Tether/tether-signalr.js" });

        // A stand-in for a connected HubConnection whose first location report is lost.
        var calls = await page.EvaluateAsync<string[]>("""
            async () => {
                const calls = [];
                let lastReport = null;
                const connection = {
                    state: "Connected",
                    on() {},
                    invoke(method, ...args) {
                        calls.push(method + " " + (args[0] ?? ""));
                        if (method === "tether:location" && lastReport === null) {
                            return lastReport = Promise.reject(new Error("connection lost"));
                        }
                        return Promise.resolve();
                    },
                    send() { return Promise.resolve(); },
                    stream() { return null; },
                    onreconnected() { },
                };
                tether.track(connection);
                history.pushState(null, "", "/account/login?tab=orders");
                await lastReport.catch(() => { });
                await connection.invoke("Whoami");
                return calls;
            }
            """);

        Assert.Equal(["tether:location /account/login?tab=orders", "tether:location /account/login?tab=orders", "Whoami "], calls);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Screenshots_of_the_three_patterns()
    {
        var page = await shop.NewPageAsync();
        await page.SetViewportSizeAsync(1100, 720);
        await shop.SignInAsync(page, Customer, CustomerPassword, "/");
        await page.Locator("article", new() { HasText = "Canvas shoe" }).GetByRole(AriaRole.Button).ClickAsync();

        await OpenInteractiveAsync(page, "/search?q=shoe");
        await page.ClickAsync("#run");
        await Expect(page.Locator("#results li")).ToHaveCountAsync(3);
        await SaveAsync(page, "search");

        await OpenInteractiveAsync(page, "/profile");
        await Expect(page.Locator("#profile-cart")).ToHaveTextAsync("Canvas shoe");
        await SaveAsync(page, "profile");

        await OpenInteractiveAsync(page, "/billing");
        await page.ClickAsync("#pay");
        await Expect(page.Locator("#billing-status")).ToHaveTextAsync("pending");
        await SaveAsync(page, "billing");
        await page.Context.CloseAsync();
    }

    private static async Task SaveAsync(IPage page, string name)
    {
        // The README's screenshots are refreshed with TETHER_SCREENSHOTS=<folder>; otherwise they go to a temp folder.
        var folder = Environment.GetEnvironmentVariable("TETHER_SCREENSHOTS") ?? Path.Combine(Path.GetTempPath(), "tether-screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000);
    }
}
