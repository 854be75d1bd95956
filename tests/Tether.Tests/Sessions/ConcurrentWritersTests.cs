using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Tether.Diagnostics;
using Tether.Tests.Components;

namespace Tether.Tests.Sessions;

/// <summary>
/// One signed-in user writing one session from several places at once, as the Shop's tabs and hub connections do: real
/// SignalR clients, circuits driven as Blazor drives them, and HTTP requests through the app's own SessionMiddleware,
/// all on the in-process compare-and-set over a wrapped memory cache (a retry of each conflict);
/// <see cref="ConcurrentWritersOnTheMemoryCacheTests"/> runs the same on the memory cache itself (merged in place).
/// </summary>
public class ConcurrentWritersTests : IAsyncLifetime
{
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await SessionApp.StartAsync(Configure);

    /// <summary>Changes the test app's services before it starts.</summary>
    protected virtual void Configure(IServiceCollection services)
    {
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Two_hub_connections_and_two_circuits_writing_different_keys_lose_none_of_1000_commits()
    {
        using var browser = await SignedInBrowserAsync("ann");
        await using var first = await _app.ConnectAsync(browser.Cookies, SessionApp.Hub);
        await using var second = await _app.ConnectAsync(browser.Cookies, SessionApp.Hub);
        await using var tab1 = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader);
        await using var tab2 = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader);

        await Task.WhenAll(
            WriteKeysAsync(250, i => first.InvokeAsync("Write", "hub1-" + i, "x")),
            WriteKeysAsync(250, i => second.InvokeAsync("Write", "hub2-" + i, "x")),
            WriteKeysAsync(250, i => tab1.ActivityAsync("BeginInvokeDotNetFromJS", () => Current.Session()!.SetString("tab1-" + i, "x"))),
            WriteKeysAsync(250, i => tab2.ActivityAsync("BeginInvokeDotNetFromJS", () => Current.Session()!.SetString("tab2-" + i, "x"))));

        foreach (var writer in new[] { "hub1-", "hub2-", "tab1-", "tab2-" })
        {
            Assert.Equal("250", await browser.GetAsync("/session/keys?prefix=" + writer));
        }
    }

    [Fact]
    public async Task Four_writers_adding_to_one_list_with_UpdateAsync_keep_exactly_four_times_fifty_items()
    {
        using var browser = await SignedInBrowserAsync("bob");
        await using var first = await _app.ConnectAsync(browser.Cookies, SessionApp.Hub);
        await using var second = await _app.ConnectAsync(browser.Cookies, SessionApp.Hub);
        await using var tab1 = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader);
        await using var tab2 = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader);

        await Task.WhenAll(
            WriteKeysAsync(50, i => first.InvokeAsync("Add", "cart", "hub1-" + i)),
            WriteKeysAsync(50, i => second.InvokeAsync("Add", "cart", "hub2-" + i)),
            WriteKeysAsync(50, i => tab1.ActivityAsync("BeginInvokeDotNetFromJS", () => SessionHub.AddAsync(Current.Session()!, "cart", "tab1-" + i))),
            WriteKeysAsync(50, i => tab2.ActivityAsync("BeginInvokeDotNetFromJS", () => SessionHub.AddAsync(Current.Session()!, "cart", "tab2-" + i))));

        var items = (await browser.GetAsync("/list?key=cart")).Split(',');
        Assert.Equal(4 * 50, items.Length);
        Assert.Equal(4 * 50, items.Distinct().Count());
    }

    [Fact]
    public async Task Http_requests_hub_calls_and_clicks_adding_to_one_cart_interleaved_lose_nothing()
    {
        using var browser = await SignedInBrowserAsync("cy");
        await using var hub = await _app.ConnectAsync(browser.Cookies, SessionApp.Hub);
        await using var tab = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader);

        await Task.WhenAll(
            WriteKeysAsync(50, i => PostAsync(browser, "/list/add?key=cart&item=http1-" + i)),
            WriteKeysAsync(50, i => PostAsync(browser, "/list/add?key=cart&item=http2-" + i)),
            WriteKeysAsync(50, i => hub.InvokeAsync("Add", "cart", "hub-" + i)),
            WriteKeysAsync(50, i => tab.ActivityAsync("BeginInvokeDotNetFromJS", () => SessionHub.AddAsync(Current.Session()!, "cart", "tab-" + i))));

        var items = (await hub.InvokeAsync<string>("List", "cart")).Split(',');
        Assert.Equal(4 * 50, items.Distinct().Count());
        Assert.Equal(items.Length, (await browser.GetAsync("/list?key=cart")).Split(',').Length);
    }

    [Fact]
    public async Task A_hub_call_that_loaded_the_session_before_an_http_add_keeps_the_add_when_it_commits_another_key()
    {
        using var conflicts = new MetricCollector<long>(_app.App.Services.GetRequiredService<IMeterFactory>(), TetherDiagnostics.MeterName, TetherMetrics.SessionCommitConflicts);
        using var browser = await SignedInBrowserAsync("dee");
        await using var hub = await _app.ConnectAsync(browser.Cookies, SessionApp.Hub);
        var gate = "pay-" + Guid.NewGuid();
        var (entered, open) = SessionHub.NewGate(gate);

        // "Pay" loads the session, then the page's "Add to cart" commits, then "Pay" writes its own key and commits.
        var pay = hub.InvokeAsync("WriteAfterGate", gate, "last_payment_status", "paid");
        await entered.Task;
        await PostAsync(browser, "/list/add?key=cart&item=hat");
        open.SetResult();
        await pay;

        Assert.Equal("hat", await browser.GetAsync("/list?key=cart"));
        Assert.Equal("1", await browser.GetAsync("/session/keys?prefix=last_payment_status"));
        Assert.Equal(1, conflicts.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task An_update_that_lost_the_race_runs_again_on_the_value_the_other_writer_committed()
    {
        using var browser = await SignedInBrowserAsync("eve");
        await using var hub = await _app.ConnectAsync(browser.Cookies, SessionApp.Hub);
        var gate = "add-" + Guid.NewGuid();
        var (entered, open) = SessionHub.NewGate(gate);

        var add = hub.InvokeAsync("AddAfterGate", gate, "cart", "scarf");
        await entered.Task;
        await PostAsync(browser, "/list/add?key=cart&item=hat");
        open.SetResult();
        await add;

        Assert.Equal("hat,scarf", await browser.GetAsync("/list?key=cart"));
    }

    private async Task<CoreTestApp.Browser> SignedInBrowserAsync(string name)
    {
        var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=" + name);
        await PostAsync(browser, "/list/add?key=seed&item=1");
        return browser;
    }

    private static async Task PostAsync(CoreTestApp.Browser browser, string url)
    {
        using var response = await browser.Client.PostAsync(url, null);
        response.EnsureSuccessStatusCode();
    }

    private static async Task WriteKeysAsync(int count, Func<int, Task> write)
    {
        await Task.Yield();
        for (var i = 0; i < count; i++)
        {
            await write(i);
        }
    }
}

/// <summary>
/// <see cref="ConcurrentWritersTests"/> on the memory cache as <c>AddDistributedMemoryCache()</c> registers it, with no
/// compare-and-set named: Tether's own, whose commit reads, merges and writes under the key's lock in one attempt.
/// </summary>
public sealed class ConcurrentWritersOnTheMemoryCacheTests : ConcurrentWritersTests
{
    protected override void Configure(IServiceCollection services)
    {
        services.RemoveAll<IDistributedCacheCompareAndSet>();
        services.AddSingleton<IDistributedCache>(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
    }
}
