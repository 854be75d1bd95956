namespace Tether.Tests.Redis;

/// <summary>
/// Counts what events really send to Redis, with Redis's own counters (<c>INFO commandstats</c>), not by reasoning. Without
/// the near cache a read-only event is one pipelined batch (one round trip) of an HMGET and a PTTL per entry; with it, one
/// PING on the near cache's link and no read. Either way an entry slides with a PEXPIRE only once its time to live has
/// fallen by the reader's tolerance (at most a second).
/// </summary>
[Collection("Redis")]
[Trait("Requires", "redis-server")]
public sealed class StoreRoundTripTests(RedisFixture redis)
{
    private const int Events = 20;

    // Every command the cache, the sign-in store or the session could send outside the script.
    private static readonly string[] s_others = ["evalsha", "eval", "get", "mget", "hget", "hgetall", "expire", "hset", "hmset", "set", "del", "unlink", "exists", "multi", "exec"];

    [Fact]
    public async Task A_read_only_event_of_a_signed_in_user_makes_one_round_trip_and_a_session_write_exactly_one_more()
    {
        await using var node = await RedisNode.StartAsync(redis.Server, "trips-" + Guid.NewGuid().ToString("N"),
            services => services.Configure<Tether.Redis.TetherRedisOptions>(options => options.NearCache = false));
        using var browser = node.NewBrowser();
        await browser.GetAsync("/signin?name=rita");
        await browser.GetAsync("/session/set?key=owner&value=rita");
        await using var hub = await node.ConnectAsync(browser.Cookies);
        await hub.InvokeAsync<Whoami>("Whoami");

        await redis.Server.ResetStatsAsync();
        var started = TimeProvider.System.GetTimestamp();
        for (var i = 0; i < Events; i++)
        {
            var whoami = await hub.InvokeAsync<Whoami>("Whoami");
            Assert.Equal("rita", whoami.User);
            Assert.Equal("rita", whoami.Owner);
        }

        var seconds = (int)Math.Ceiling(TimeProvider.System.GetElapsedTime(started).TotalSeconds);
        var reads = await redis.Server.CommandStatsAsync();

        // One HMGET and one PTTL per event for each of the session, the sign-in record and the user record, in one batch;
        // no script. Each entry slides at most once per second of the run (the tolerance is 1 % of its window, capped at
        // a second), not once per event.
        Assert.Equal(3 * Events, Count(reads, "hmget"));
        Assert.Equal(3 * Events, Count(reads, "pttl"));
        Assert.InRange(Count(reads, "pexpire") + Count(reads, "expire"), 0, 3 * (seconds + 1));
        Assert.All(s_others.Except(["expire"]), command => Assert.Equal(0, Count(reads, command)));

        await redis.Server.ResetStatsAsync();
        started = TimeProvider.System.GetTimestamp();
        for (var i = 0; i < Events; i++)
        {
            await hub.InvokeAsync("WriteSession", "visits", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        seconds = (int)Math.Ceiling(TimeProvider.System.GetElapsedTime(started).TotalSeconds);
        var writes = await redis.Server.CommandStatsAsync();

        // The same read, then the merged commit: one script call (Tether.Redis's compare-and-set), whose HGET, HSET and
        // PEXPIRE run inside Redis, where RedisCache.SetAsync would have sent HSET and EXPIRE. Beyond the script's PEXPIRE,
        // only the reader's slides, at most one per entry and second.
        Assert.Equal(Events, Count(writes, "evalsha") + Count(writes, "eval"));
        Assert.Equal(3 * Events, Count(writes, "hmget"));
        Assert.Equal(3 * Events, Count(writes, "pttl"));
        Assert.Equal(Events, Count(writes, "hget"));
        Assert.Equal(Events, Count(writes, "hset"));
        Assert.InRange(Count(writes, "pexpire") + Count(writes, "expire") - Events, 0, 3 * (seconds + 1));
        Assert.All(s_others.Except(["evalsha", "eval", "hget", "hset", "expire"]), command => Assert.Equal(0, Count(writes, command)));
        Assert.Equal((Events - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), await browser.GetAsync("/session/get?key=visits"));
    }

    [Fact]
    public async Task With_the_near_cache_a_read_only_event_sends_one_PING_and_reads_nothing_and_a_session_write_reads_back_only_its_session()
    {
        await using var node = await RedisNode.StartAsync(redis.Server, "near-trips-" + Guid.NewGuid().ToString("N"));
        using var browser = node.NewBrowser();
        await browser.GetAsync("/signin?name=rita");
        await browser.GetAsync("/session/set?key=owner&value=rita");
        await using var hub = await node.ConnectAsync(browser.Cookies);
        var near = node.App.Services.GetRequiredService<Tether.Redis.NearCache>();
        // Until the three entries are held (the invalidations of the sign-in's and the session's writes may come after
        // the first reads).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long hits;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "The node's near cache did not come to hold the event's three entries.");
            hits = near.Hits;
            await hub.InvokeAsync<Whoami>("Whoami");
        }
        while (near.Hits - hits < 3);

        await redis.Server.ResetStatsAsync();
        var started = TimeProvider.System.GetTimestamp();
        for (var i = 0; i < Events; i++)
        {
            var whoami = await hub.InvokeAsync<Whoami>("Whoami");
            Assert.Equal("rita", whoami.User);
            Assert.Equal("rita", whoami.Owner);
        }

        var seconds = (int)Math.Ceiling(TimeProvider.System.GetElapsedTime(started).TotalSeconds);
        var reads = await redis.Server.CommandStatsAsync();

        // One fence per event (sequential events share none), except an event that holds none of its entries (all three
        // slid in the event before: each slide is a write, whose invalidation drops the entry), at most once a second. An
        // entry is read again only after its own slide, at most once per entry and second.
        Assert.InRange(Count(reads, "ping"), Events - (seconds + 1), Events);
        Assert.InRange(Count(reads, "hmget"), 0, 3 * (seconds + 1));
        Assert.Equal(Count(reads, "hmget"), Count(reads, "pttl"));
        Assert.InRange(Count(reads, "pexpire") + Count(reads, "expire"), 0, 3 * (seconds + 1));
        Assert.All(s_others.Except(["expire"]), command => Assert.Equal(0, Count(reads, command)));

        await redis.Server.ResetStatsAsync();
        started = TimeProvider.System.GetTimestamp();
        for (var i = 0; i < Events; i++)
        {
            await hub.InvokeAsync("WriteSession", "visits", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        seconds = (int)Math.Ceiling(TimeProvider.System.GetElapsedTime(started).TotalSeconds);
        var writes = await redis.Server.CommandStatsAsync();

        // Each commit invalidates the session on this node too, so every write after the first reads it back; the sign-in
        // and user records stay held.
        Assert.Equal(Events, Count(writes, "evalsha") + Count(writes, "eval"));
        Assert.InRange(Count(writes, "ping"), Events - (seconds + 1), Events);
        Assert.InRange(Count(writes, "hmget"), Events - 1, Events - 1 + (3 * (seconds + 1)));
        Assert.Equal(Count(writes, "hmget"), Count(writes, "pttl"));
        Assert.Equal(Events, Count(writes, "hget"));
        Assert.Equal(Events, Count(writes, "hset"));
        Assert.All(s_others.Except(["evalsha", "eval", "hget", "hset", "expire"]), command => Assert.Equal(0, Count(writes, command)));
        Assert.Equal((Events - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), await browser.GetAsync("/session/get?key=visits"));
    }

    private static long Count(Dictionary<string, long> stats, string command) => stats.GetValueOrDefault(command);
}
