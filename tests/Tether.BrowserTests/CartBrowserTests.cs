namespace Tether.BrowserTests;

/// <summary>
/// One user adding to the Shop's cart from everywhere at once, in Chromium: two tabs clicking "Add to cart" on their
/// circuits and four SignalR connections of the /live page calling AddToCart, together. Every add is in the cart.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class CartBrowserTests(ShopFixture shop)
{
    private const int Clicks = 10;
    private const int CallsPerConnection = 10;

    [Fact]
    public async Task Two_tabs_and_four_hub_connections_of_one_user_adding_to_the_cart_together_keep_every_item()
    {
        var live = await shop.NewPageAsync();
        await shop.SignInAsync(live, Customer, CustomerPassword, "/live");
        await live.ClickAsync("#live-whoami");
        await Expect(live.Locator("#live-user")).ToHaveTextAsync(Customer);
        var tabs = new[] { await shop.NewPageAsync(live.Context), await shop.NewPageAsync(live.Context) };
        foreach (var tab in tabs)
        {
            await OpenInteractiveAsync(tab, "/search?q=shoe");
            await tab.ClickAsync("#run");
            await Expect(tab.Locator("#results li")).ToHaveCountAsync(3);
        }

        var products = new[] { await NameOfAsync(tabs[0], 0), await NameOfAsync(tabs[1], 1) };
        var hubs = live.EvaluateAsync<int>(
            """
            async calls => {
                const connections = [0, 1, 2, 3].map(() => new signalR.HubConnectionBuilder().withUrl(tether.withLocation("/hubs/shop")).build());
                await Promise.all(connections.map(c => c.start()));
                await Promise.all(connections.map(async (c, n) => {
                    for (let i = 0; i < calls; i++) await c.invoke("AddToCart", `hub${n}-${i}`);
                }));
                await Promise.all(connections.map(c => c.stop()));
                return connections.length * calls;
            }
            """,
            CallsPerConnection);
        await Task.WhenAll(hubs, ClickAsync(tabs[0], 0), ClickAsync(tabs[1], 1));

        // The last clicks' events may still be running: wait until the cart holds as many items as were added.
        var expected = (4 * CallsPerConnection) + (2 * Clicks);
        var cart = await CartAsync(live);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            while (cart.Count < expected)
            {
                await Task.Delay(50, timeout.Token);
                cart = await CartAsync(live);
            }
        }

        Assert.Equal(expected, cart.Count);
        Assert.Equal(4 * CallsPerConnection, cart.Where(item => item.StartsWith("hub", StringComparison.Ordinal)).Distinct().Count());
        Assert.Equal(Clicks, cart.Count(item => item == products[0]));
        Assert.Equal(Clicks, cart.Count(item => item == products[1]));
        await live.Context.CloseAsync();
    }

    private static async Task<string> NameOfAsync(IPage tab, int index)
        => (await tab.Locator("#results li").Nth(index).Locator(".name").TextContentAsync())!.Trim();

    private static async Task ClickAsync(IPage tab, int index)
    {
        var add = tab.Locator("#results li").Nth(index).Locator("button.add");
        for (var i = 0; i < Clicks; i++)
        {
            await add.ClickAsync();
        }
    }

    private static async Task<List<string>> CartAsync(IPage page)
        => [.. (await SessionAsync(page.Context)).GetProperty("cart").EnumerateArray().Select(item => item.GetString()!)];
}
