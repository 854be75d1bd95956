using StackExchange.Redis;

namespace Tether.Tests.Redis;

[Collection("Redis")]
[Trait("Requires", "redis-server")]
public sealed class RedisCacheBatchReaderTests(RedisFixture redis)
{
    [Fact]
    public async Task The_batch_reads_what_RedisCache_wrote_and_slides_each_entry_as_RedisCache_would()
    {
        await using var node = await RedisNode.StartAsync(redis.Server, "batch-" + Guid.NewGuid().ToString("N"));
        var cache = node.App.Services.GetRequiredService<IDistributedCache>();
        var reader = node.App.Services.GetRequiredService<IDistributedCacheBatchReader>();
        await cache.SetAsync("sliding", [1, 2, 3], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        await cache.SetAsync("capped", [4], new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromMinutes(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(2),
        });
        await cache.SetAsync("forever", [5], new DistributedCacheEntryOptions());

        // Age the sliding entry as if it had not been read for a while.
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",setlib=false");
        var database = admin.GetDatabase();
        var prefix = node.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions>>().Value.InstanceName;
        await database.KeyExpireAsync(prefix + "sliding", TimeSpan.FromSeconds(5));
        await database.KeyExpireAsync(prefix + "capped", TimeSpan.FromSeconds(5));

        var values = await reader.GetManyAsync(["sliding", "missing", "capped", "forever"]);
        await SlidesSentAsync(node);

        Assert.Equal([1, 2, 3], values[0]);
        Assert.Null(values[1]);
        Assert.Equal([4], values[2]);
        Assert.Equal([5], values[3]);
        Assert.InRange((await database.KeyTimeToLiveAsync(prefix + "sliding"))!.Value, TimeSpan.FromMinutes(9.9), TimeSpan.FromMinutes(10));
        Assert.InRange((await database.KeyTimeToLiveAsync(prefix + "capped"))!.Value, TimeSpan.FromMinutes(1.8), TimeSpan.FromMinutes(2));
        Assert.Null(await database.KeyTimeToLiveAsync(prefix + "forever"));

        // And RedisCache still reads the entries it wrote.
        Assert.Equal([1, 2, 3], await cache.GetAsync("sliding"));
    }

    [Fact]
    public async Task An_entry_read_again_within_the_slide_tolerance_is_not_slid_again_and_one_whose_time_to_live_fell_is()
    {
        await using var node = await RedisNode.StartAsync(redis.Server, "slide-" + Guid.NewGuid().ToString("N"));
        var cache = node.App.Services.GetRequiredService<IDistributedCache>();
        var reader = node.App.Services.GetRequiredService<IDistributedCacheBatchReader>();
        await cache.SetAsync("busy", [1], new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(10) });
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",setlib=false");
        var database = admin.GetDatabase();
        var key = node.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions>>().Value.InstanceName + "busy";

        // Within the tolerance (1 % of the window, at most a second) of a full window: no slide.
        await database.KeyExpireAsync(key, TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(500));
        await redis.Server.ResetStatsAsync();
        Assert.Equal([1], (await reader.GetManyAsync(["busy"]))[0]);
        await SlidesSentAsync(node);
        Assert.Equal(0, Slides(await redis.Server.CommandStatsAsync()));

        // Fallen by more than the tolerance: slid back to the full window, so the idle timeout runs from this read.
        await database.KeyExpireAsync(key, TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(2));
        await redis.Server.ResetStatsAsync();
        Assert.Equal([1], (await reader.GetManyAsync(["busy"]))[0]);
        await SlidesSentAsync(node);
        Assert.Equal(1, Slides(await redis.Server.CommandStatsAsync()));
        Assert.InRange((await database.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
    }

    // StackExchange.Redis sends a whole number of seconds as EXPIRE, anything else as PEXPIRE.
    private static long Slides(Dictionary<string, long> stats) => stats.GetValueOrDefault("pexpire") + stats.GetValueOrDefault("expire");

    // The reader's slides are not awaited by the read; Redis runs one connection's commands in order, so once a PING on
    // the node's own connection answers, the slides before it have run.
    private static async Task SlidesSentAsync(CoreTestApp node)
        => await (await node.App.Services.GetRequiredService<Tether.Redis.RedisConnection>().GetAsync()).GetDatabase().PingAsync();

    [Fact]
    public async Task Disposing_the_cache_leaves_the_shared_connection_to_the_batch_reader_and_the_bus()
    {
        await using var node = await RedisNode.StartAsync(redis.Server, "shared-" + Guid.NewGuid().ToString("N"));
        var cache = node.App.Services.GetRequiredService<IDistributedCache>();
        await cache.SetAsync("kept", [7], new DistributedCacheEntryOptions());

        // RedisCache closes the multiplexer its factory gave it when it is disposed (and after errors, with its
        // force-reconnect switch on).
        ((IDisposable)cache).Dispose();

        var reader = node.App.Services.GetRequiredService<IDistributedCacheBatchReader>();
        Assert.Equal([7], (await reader.GetManyAsync(["kept"]))[0]);
    }
}
