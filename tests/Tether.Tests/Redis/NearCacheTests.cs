using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;
using Tether.Authentication;
using Tether.Redis;

namespace Tether.Tests.Redis;

/// <summary>
/// The near cache on two real nodes of one app and one real Redis: what one node writes, revokes or deletes, the other
/// never serves stale from its copy, over 1,000 trials each, also when its invalidation link is cut mid-run, held up on
/// its way, or gone while the change is made.
/// </summary>
[Collection("Redis")]
[Trait("Requires", "redis-server")]
public sealed class NearCacheTests(RedisFixture redis) : IAsyncLifetime
{
    private const int Trials = 1000;
    private RedisNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await RedisNodes.StartAsync(redis.Server, "near-" + Guid.NewGuid().ToString("N"));

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task Over_1000_sign_ins_revoked_on_one_node_the_other_never_serves_a_revoked_record_even_with_its_link_cut_mid_run()
    {
        var signIns = _nodes.A.App.Services.GetRequiredService<SignInStore>();
        var reader = _nodes.B.App.Services.GetRequiredService<IDistributedCacheBatchReader>();
        var near = _nodes.B.App.Services.GetRequiredService<NearCache>();
        var stale = 0;

        async Task TrialAsync()
        {
            var (id, _) = await signIns.BeginAsync(null, null, null, TimeSpan.FromMinutes(10), CancellationToken.None);
            var key = signIns.SignInKey(id);
            // Read twice: the first read is kept, the second is served from B's copy (while the link is up). The fence only
            // makes that count exact (the invalidation of the write that made the record is in B before its first read); the
            // read that must not be stale, after the revocation, has none but its own.
            await near.FenceAsync();
            Assert.NotNull((await reader.GetManyAsync([key]))[0]);
            Assert.NotNull((await reader.GetManyAsync([key]))[0]);
            await signIns.RevokeSignInAsync(id, CancellationToken.None);
            if ((await reader.GetManyAsync([key]))[0] is not null)
            {
                stale++;
            }
        }

        var (beforeCut, afterCut) = await RunWithLinkCutAsync(near, TrialAsync);

        Assert.Equal(0, stale);
        Assert.True(beforeCut >= Trials * 9 / 20, $"{beforeCut} entries were served from the near cache before the cut.");
        Assert.True(afterCut >= Trials * 9 / 20, $"{afterCut} entries were served from the near cache after the link came back.");
    }

    [Fact]
    public async Task Over_1000_session_writes_by_a_hub_on_one_node_a_hub_on_the_other_reads_each_one_even_with_its_link_cut_mid_run()
    {
        using var browser = _nodes.A.NewBrowser();
        await browser.GetAsync("/signin?name=nia");
        await using var onA = await _nodes.A.ConnectAsync(browser.Cookies, Tether.Tests.Sessions.SessionApp.Hub);
        await using var onB = await _nodes.B.ConnectAsync(browser.Cookies, Tether.Tests.Sessions.SessionApp.Hub);
        var near = _nodes.B.App.Services.GetRequiredService<NearCache>();
        var trial = 0;
        var stale = new List<string>();

        async Task TrialAsync()
        {
            var value = (trial++).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await onA.InvokeAsync("Write", "n", value);
            foreach (var read in new[] { "first", "second" })
            {
                if (await onB.InvokeAsync<string>("List", "n") is var seen && seen != value)
                {
                    stale.Add($"trial {value}, {read} read on B: {seen}");
                }
            }
        }

        var (beforeCut, afterCut) = await RunWithLinkCutAsync(near, TrialAsync);

        Assert.Empty(stale);
        // Each read on B serves at least its sign-in and user records from B's copy.
        Assert.True(beforeCut >= Trials, $"{beforeCut} entries were served from the near cache before the cut.");
        Assert.True(afterCut >= Trials, $"{afterCut} entries were served from the near cache after the link came back.");
    }

    [Fact]
    public async Task A_change_made_while_the_link_is_down_is_read_after_it_is_back_not_the_copy_held_before()
    {
        var cacheA = _nodes.A.App.Services.GetRequiredService<IDistributedCache>();
        var reader = _nodes.B.App.Services.GetRequiredService<IDistributedCacheBatchReader>();
        var near = _nodes.B.App.Services.GetRequiredService<NearCache>();
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) };
        await cacheA.SetAsync("k", [1], options);
        await HeldAsync(reader, near, "k", [1]);

        var cut = near.ClientId;
        await KillClientAsync(cut);
        await UntilAsync(() => near.ClientId == 0, "B's link to be seen down");
        await cacheA.SetAsync("k", [2], options);
        await UntilAsync(() => near.ClientId is not 0 && near.ClientId != cut, "B's link to be back");

        Assert.Equal([2], (await reader.GetManyAsync(["k"]))[0]);
    }

    [Fact]
    public async Task An_invalidation_held_up_on_its_way_is_waited_for_and_then_Redis_is_read_instead_of_the_copy()
    {
        using var proxy = new HoldingProxy(redis.Server.Port);
        await using var b = await StartBehindAsync(proxy);
        var cacheA = _nodes.A.App.Services.GetRequiredService<IDistributedCache>();
        var reader = b.App.Services.GetRequiredService<IDistributedCacheBatchReader>();
        var near = b.App.Services.GetRequiredService<NearCache>();
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) };
        await cacheA.SetAsync("k", [1], options);
        await HeldAsync(reader, near, "k", [1]);

        // Redis's pushes and answers to B's link stop on their way; A's change is made and acknowledged.
        proxy.HoldNearCacheLink();
        await cacheA.SetAsync("k", [2], options);

        // B's copy still says 1, and its invalidation has not arrived: the read waits for its fence, then reads Redis.
        var hits = near.Hits;
        Assert.Equal([2], (await reader.GetManyAsync(["k"]))[0]);
        Assert.Equal(hits, near.Hits);

        proxy.Release();
        await UntilAsync(async () => (await reader.GetManyAsync(["k"]))[0] is [2] && near.Hits > hits, "B to serve the new value from its copy");
    }

    [Fact]
    public async Task A_read_answered_after_its_key_changed_is_not_kept_when_the_changes_invalidation_came_first()
    {
        using var proxy = new HoldingProxy(redis.Server.Port);
        await using var b = await StartBehindAsync(proxy);
        var cacheA = _nodes.A.App.Services.GetRequiredService<IDistributedCache>();
        var reader = b.App.Services.GetRequiredService<IDistributedCacheBatchReader>();
        var near = b.App.Services.GetRequiredService<NearCache>();
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) };
        await cacheA.SetAsync("k", [1], options);
        await UntilAsync(() => near.ClientId != 0, "B's link to be up");
        await near.FenceAsync();

        // B's read runs in Redis (it finds 1), and its answer is held up on its way back.
        proxy.HoldAllButNearCacheLink();
        var before = (await redis.Server.CommandStatsAsync()).GetValueOrDefault("hmget");
        var read = reader.GetManyAsync(["k"]);
        await UntilAsync(async () => (await redis.Server.CommandStatsAsync()).GetValueOrDefault("hmget") > before, "B's read to run in Redis");

        // A changes the key, and B has the invalidation (its link is not held) before the read's answer.
        await cacheA.SetAsync("k", [2], options);
        Assert.NotEqual(0, await near.FenceAsync());
        proxy.Release();

        Assert.Equal([1], (await read)[0]);
        Assert.Equal([2], (await reader.GetManyAsync(["k"]))[0]);
        Assert.Equal([2], (await reader.GetManyAsync(["k"]))[0]);
    }

    [Fact]
    public async Task A_link_that_reaches_another_Redis_server_than_the_shared_connection_is_never_used()
    {
        await using var other = await RedisServer.StartAsync();
        using var proxy = new HoldingProxy(redis.Server.Port, linkPort: other.Port);
        await using var b = await StartBehindAsync(proxy);
        var cacheA = _nodes.A.App.Services.GetRequiredService<IDistributedCache>();
        var reader = b.App.Services.GetRequiredService<IDistributedCacheBatchReader>();
        var near = b.App.Services.GetRequiredService<NearCache>();

        // The link reaches the other server and turns tracking on there; refused, it tries again a second later.
        await UntilAsync(async () => (await other.CommandStatsAsync()).GetValueOrDefault("client|tracking") >= 2, "B's link to try the other server twice");

        await cacheA.SetAsync("k", [1], new DistributedCacheEntryOptions());
        Assert.Equal([1], (await reader.GetManyAsync(["k"]))[0]);
        await cacheA.SetAsync("k", [2], new DistributedCacheEntryOptions());
        Assert.Equal([2], (await reader.GetManyAsync(["k"]))[0]);
        Assert.Equal(0, near.ClientId);
        Assert.Equal(0, near.Hits);
    }

    // Another node of this app (node A's), whose every Redis connection goes through the proxy.
    private async Task<CoreTestApp> StartBehindAsync(HoldingProxy proxy)
    {
        var prefix = _nodes.A.App.Services.GetRequiredService<IOptions<TetherRedisOptions>>().Value.Prefix!;
        return await RedisNode.StartAsync(redis.Server, prefix, services =>
            services.Configure<TetherRedisOptions>(options => options.Configuration = $"127.0.0.1:{proxy.Port}"));
    }

    // Runs trials until half are done with the link up, cuts B's link (CLIENT KILL), runs trials until it is back, then
    // the other half; returns the entries served from the near cache before the cut and after the link came back.
    private async Task<(long BeforeCut, long AfterCut)> RunWithLinkCutAsync(NearCache near, Func<Task> trial)
    {
        await UntilAsync(() => near.ClientId != 0, "B's link to be up");
        var hits = near.Hits;
        for (var i = 0; i < Trials / 2; i++)
        {
            await trial();
        }

        var beforeCut = near.Hits - hits;
        var cut = near.ClientId;
        await KillClientAsync(cut);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (near.ClientId == cut || near.ClientId == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "B's link did not come back within 30 s of the cut.");
            await trial();
        }

        hits = near.Hits;
        for (var i = 0; i < Trials / 2; i++)
        {
            await trial();
        }

        return (beforeCut, near.Hits - hits);
    }

    // Until B serves the key's value from its copy (the invalidation of the write that made it may arrive after a read).
    private static async Task HeldAsync(IDistributedCacheBatchReader reader, NearCache near, string key, byte[] value)
    {
        await UntilAsync(() => near.ClientId != 0, "B's link to be up");
        await UntilAsync(async () =>
        {
            var hits = near.Hits;
            Assert.Equal(value, (await reader.GetManyAsync([key]))[0]);
            return near.Hits > hits;
        }, "B to serve " + key + " from its copy");
    }

    private async Task KillClientAsync(long id)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",setlib=false,allowAdmin=true");
        await admin.GetServer(redis.Server.Configuration).ExecuteAsync("CLIENT", "KILL", "ID", id);
    }

    private static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited 30 s for {what}.");
            await Task.Delay(10);
        }
    }
}
