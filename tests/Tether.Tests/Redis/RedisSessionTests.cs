using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace Tether.Tests.Redis;

/// <summary>
/// Merged session commits on two real nodes of one app and one real Redis: writers on both nodes, over hubs and HTTP,
/// at the same moment, through Tether.Redis's compare-and-set script.
/// </summary>
[Collection("Redis")]
[Trait("Requires", "redis-server")]
public sealed class RedisSessionTests(RedisFixture redis) : IAsyncLifetime
{
    private const string Hub = Tether.Tests.Sessions.SessionApp.Hub;
    private RedisNodes _nodes = null!;

    private CoreTestApp NodeA => _nodes.A;

    private CoreTestApp NodeB => _nodes.B;

    public async Task InitializeAsync() => _nodes = await RedisNodes.StartAsync(redis.Server, "sessions-" + Guid.NewGuid().ToString("N"));

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task Four_hub_connections_on_two_nodes_writing_different_keys_lose_none_of_1000_commits()
    {
        using var browser = await SignedInBrowserAsync("ida");
        await using var a1 = await NodeA.ConnectAsync(browser.Cookies, Hub);
        await using var a2 = await NodeA.ConnectAsync(browser.Cookies, Hub);
        await using var b1 = await NodeB.ConnectAsync(browser.Cookies, Hub);
        await using var b2 = await NodeB.ConnectAsync(browser.Cookies, Hub);

        await Task.WhenAll(
            RepeatAsync(250, i => a1.InvokeAsync("Write", "a1-" + i, "x")),
            RepeatAsync(250, i => a2.InvokeAsync("Write", "a2-" + i, "x")),
            RepeatAsync(250, i => b1.InvokeAsync("Write", "b1-" + i, "x")),
            RepeatAsync(250, i => b2.InvokeAsync("Write", "b2-" + i, "x")));

        foreach (var writer in new[] { "a1-", "a2-", "b1-", "b2-" })
        {
            Assert.Equal("250", await browser.GetAsync("/session/keys?prefix=" + writer));
        }
    }

    [Fact]
    public async Task Hub_connections_and_http_requests_on_two_nodes_adding_to_one_cart_keep_exactly_every_item()
    {
        using var browser = await SignedInBrowserAsync("jo");
        using var onB = new HttpClient(new HttpClientHandler { CookieContainer = browser.Cookies }) { BaseAddress = NodeB.BaseAddress };
        await using var a1 = await NodeA.ConnectAsync(browser.Cookies, Hub);
        await using var b1 = await NodeB.ConnectAsync(browser.Cookies, Hub);
        await using var b2 = await NodeB.ConnectAsync(browser.Cookies, Hub);

        await Task.WhenAll(
            RepeatAsync(50, i => a1.InvokeAsync("Add", "cart", "a1-" + i)),
            RepeatAsync(50, i => b1.InvokeAsync("Add", "cart", "b1-" + i)),
            RepeatAsync(50, i => b2.InvokeAsync("Add", "cart", "b2-" + i)),
            RepeatAsync(50, i => PostAsync(browser.Client, "/list/add?key=cart&item=httpA-" + i)),
            RepeatAsync(50, i => PostAsync(onB, "/list/add?key=cart&item=httpB-" + i)));

        var items = (await onB.GetStringAsync("/list?key=cart")).Split(',');
        Assert.Equal(5 * 50, items.Length);
        Assert.Equal(5 * 50, items.Distinct().Count());
    }

    [Fact]
    public async Task What_the_commit_script_writes_RedisCache_reads_with_its_sliding_expiration_and_a_stale_value_is_refused()
    {
        var store = NodeA.App.Services.GetRequiredService<IDistributedCacheCompareAndSet>();
        var cache = NodeA.App.Services.GetRequiredService<IDistributedCache>();
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) };
        var key = "cas-" + Guid.NewGuid().ToString("N");

        Assert.True((await store.CompareAndSetAsync(key, null, [1], options)).Swapped);
        var (swapped, current) = await store.CompareAndSetAsync(key, null, [2], options);
        Assert.False(swapped);
        Assert.Equal([1], current);
        Assert.False((await store.CompareAndSetAsync(key, [9], [2], options)).Swapped);
        Assert.True((await store.CompareAndSetAsync(key, [1], [2], options)).Swapped);
        Assert.Equal([2], await cache.GetAsync(key));
        Assert.False((await store.CompareAndSetAsync("missing-" + key, [2], [3], options)).Swapped);

        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",setlib=false");
        var prefix = NodeA.App.Services.GetRequiredService<IOptions<RedisCacheOptions>>().Value.InstanceName;
        var database = admin.GetDatabase();
        Assert.InRange((await database.KeyTimeToLiveAsync(prefix + key))!.Value, TimeSpan.FromMinutes(9.9), TimeSpan.FromMinutes(10));
        Assert.Equal(TimeSpan.FromMinutes(10).Ticks, (long)await database.HashGetAsync(prefix + key, "sldexp"));
        Assert.Equal(-1, (long)await database.HashGetAsync(prefix + key, "absexp"));

        // RedisCache's own write, then the script over it: the layouts are one.
        await cache.SetAsync(key, [7], options);
        Assert.True((await store.CompareAndSetAsync(key, [7], [8], options)).Swapped);
        Assert.Equal([8], await NodeB.App.Services.GetRequiredService<IDistributedCache>().GetAsync(key));
    }

    private async Task<CoreTestApp.Browser> SignedInBrowserAsync(string name)
    {
        var browser = NodeA.NewBrowser();
        await browser.GetAsync("/signin?name=" + name);
        await PostAsync(browser.Client, "/list/add?key=seed&item=1");
        return browser;
    }

    private static async Task PostAsync(HttpClient client, string url)
    {
        using var response = await client.PostAsync(url, null);
        response.EnsureSuccessStatusCode();
    }

    private static async Task RepeatAsync(int count, Func<int, Task> write)
    {
        await Task.Yield();
        for (var i = 0; i < count; i++)
        {
            await write(i);
        }
    }
}
