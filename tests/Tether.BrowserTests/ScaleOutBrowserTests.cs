using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Tether.Tests.Redis;

namespace Tether.BrowserTests;

/// <summary>
/// The Shop scaled out: two nodes on two ports, one Redis (the tests' own), one SQLite file, as the README's scale-out
/// commands run it. A browser keeps one cookie jar for both nodes (cookies ignore ports), as behind one load balancer.
/// </summary>
public sealed class ScaleOutFixture : IAsyncLifetime
{
    private readonly string _database = ShopNode.NewDatabase();
    private WebApplicationFactory<Program>? _a;
    private WebApplicationFactory<Program>? _b;
    private IPlaywright? _playwright;

    public RedisServer Redis { get; private set; } = null!;

    public string UrlA { get; private set; } = string.Empty;

    public string UrlB { get; private set; } = string.Empty;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        (_a, UrlA) = StartNode();
        (_b, UrlB) = StartNode();
        _playwright = await Playwright.CreateAsync();
        Browser = await ShopNode.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        Redis.Resume();
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        foreach (var node in (WebApplicationFactory<Program>?[])[_a, _b])
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }

        await Redis.DisposeAsync();
        ShopNode.DeleteDatabase(_database);
    }

    private (WebApplicationFactory<Program>, string) StartNode()
        => ShopNode.Start(_database, builder => builder.UseSetting("ConnectionStrings:Redis", Redis.Configuration));
}

[Trait("Requires", "redis-server")]
public sealed class ScaleOutBrowserTests(ScaleOutFixture nodes) : IClassFixture<ScaleOutFixture>
{
    [Fact]
    public async Task A_sign_out_on_node_A_flips_a_circuit_open_on_node_B_with_no_click()
    {
        await using var context = await nodes.Browser.NewContextAsync();
        var onA = await context.NewPageAsync();
        await SignInAtAsync(onA, nodes.UrlA, Customer, CustomerPassword, "/");

        var billingOnB = await context.NewPageAsync();
        await billingOnB.GotoAsync(nodes.UrlB + "/billing");
        await Expect(billingOnB.Locator("[data-live]")).ToBeAttachedAsync();
        await Expect(billingOnB.Locator("#billing-auth")).ToHaveTextAsync(Customer);

        await onA.GotoAsync(nodes.UrlA + "/");
        await onA.ClickAsync("#sign-out");

        // Node B heard it on Redis: Blazor's auth state and the AppState flip there, with no click.
        await Expect(billingOnB.Locator("#billing-auth")).ToHaveTextAsync("signed out");
        await Expect(billingOnB.Locator("#billing-user")).ToHaveTextAsync("a guest");
    }

    [Fact]
    public async Task A_circuit_survives_a_Redis_outage_its_events_are_refused_while_Redis_is_stopped_and_run_again_after()
    {
        await using var context = await nodes.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await SignInAtAsync(page, nodes.UrlB, Customer, CustomerPassword, "/");
        await page.GotoAsync(nodes.UrlB + "/billing");
        await Expect(page.Locator("[data-live]")).ToBeAttachedAsync();
        await Expect(page.Locator("#billing-auth")).ToHaveTextAsync(Customer);

        nodes.Redis.Pause();
        try
        {
            await page.ClickAsync("#pay");
            // Refused with the store's status once the store's command times out (5 s), the handler not run, the page
            // still live.
            await Expect(page.Locator("#billing-denied")).ToContainTextAsync("503", new() { Timeout = 30_000 });
            await Expect(page.Locator("#billing-status")).ToHaveTextAsync("none");
        }
        finally
        {
            nodes.Redis.Resume();
        }

        await page.ClickAsync("#pay");
        await Expect(page.Locator("#billing-status")).ToHaveTextAsync("pending");
        await Expect(page.Locator("#billing-auth")).ToHaveTextAsync(Customer);
        await Expect(page.Locator("[data-live]")).ToBeAttachedAsync();
    }
}

/// <summary>The scaled-out Shop whose Redis is killed and started again (empty): a fixture of its own, so no other test sees the outage.</summary>
[Trait("Requires", "redis-server")]
public sealed class ScaleOutOutageBrowserTests(ScaleOutFixture nodes) : IClassFixture<ScaleOutFixture>
{
    [Fact]
    public async Task A_page_opened_while_Redis_is_down_becomes_interactive_its_events_are_refused_and_it_works_once_Redis_is_back()
    {
        await using var context = await nodes.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        // A running node: it has served the page (whose markers Data Protection protects), so its key ring is loaded. A
        // node that never read the ring cannot protect anything while Redis is away.
        using (var http = new HttpClient())
        {
            using var served = await http.GetAsync(nodes.UrlB + "/billing");
            served.EnsureSuccessStatusCode();
        }

        await nodes.Redis.StopAsync();
        try
        {
            // The circuit starts without Redis: Blazor's hub is not on the backplane.
            await page.GotoAsync(nodes.UrlB + "/billing");
            await Expect(page.Locator("[data-live]")).ToBeAttachedAsync();

            // An event that needs the store is refused with the store's status; the page stays live.
            await page.ClickAsync("#billing-refresh");
            await Expect(page.Locator("#billing-denied")).ToContainTextAsync("503");
            await Expect(page.Locator("[data-live]")).ToBeAttachedAsync();
        }
        finally
        {
            await nodes.Redis.StartAgainAsync();
        }

        // Node B reads its store again within a second or so of Redis's return (its reconnect policy): awaited over HTTP.
        await StoreServesAsync(nodes.UrlB);
        await page.ClickAsync("#billing-refresh");
        await Expect(page.Locator("#billing-denied")).ToHaveCountAsync(0);

        // The same circuit runs events with the store: "Pay" reads the (anonymous) user and sends it to sign in.
        await page.ClickAsync("#pay");
        await Expect(page).ToHaveURLAsync(nodes.UrlB + "/account/login?returnUrl=%2Fbilling");
    }

    private static async Task StoreServesAsync(string node)
    {
        using var http = new HttpClient { BaseAddress = new Uri(node) };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var response = await http.GetAsync("/api/session", deadline.Token);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100, deadline.Token);
        }
    }
}
