namespace Tether.Tests.Redis;

/// <summary>
/// Counts what events really send to Redis, with Redis's own counters (<c>INFO commandstats</c>), not by reasoning. A
/// script's own commands are counted by Redis too, so the counts name them: a read-only event is one script call (the
/// round trip) whose HMGET and PEXPIRE per entry run inside Redis.
/// </summary>
[Collection("Redis")]
[Trait("Requires", "redis-server")]
public sealed class StoreRoundTripTests(RedisFixture redis)
{
    private const int Events = 20;

    // Every command the cache, the sign-in store or the session could send outside the script.
    private static readonly string[] s_outsideScript = ["get", "mget", "hget", "hgetall", "expire", "pexpire", "hset", "hmset", "set", "del", "unlink", "exists", "multi", "exec"];

    [Fact]
    public async Task A_read_only_event_of_a_signed_in_user_makes_one_round_trip_and_a_session_write_exactly_one_more()
    {
        await using var node = await RedisNode.StartAsync(redis.Server, "trips-" + Guid.NewGuid().ToString("N"));
        using var browser = node.NewBrowser();
        await browser.GetAsync("/signin?name=rita");
        await browser.GetAsync("/session/set?key=owner&value=rita");
        await using var hub = await node.ConnectAsync(browser.Cookies);
        await hub.InvokeAsync<Whoami>("Whoami");

        await redis.Server.ResetStatsAsync();
        for (var i = 0; i < Events; i++)
        {
            var whoami = await hub.InvokeAsync<Whoami>("Whoami");
            Assert.Equal("rita", whoami.User);
            Assert.Equal("rita", whoami.Owner);
        }

        var reads = await redis.Server.CommandStatsAsync();

        // One script call per event; inside it, one HMGET and one PEXPIRE for each of the session, the sign-in record and
        // the user record; nothing at all outside it.
        Assert.Equal(Events, Count(reads, "evalsha") + Count(reads, "eval"));
        Assert.Equal(3 * Events, Count(reads, "hmget"));
        Assert.Equal(3 * Events, Count(reads, "pexpire"));
        Assert.All(s_outsideScript.Where(c => c != "pexpire"), command => Assert.Equal(0, Count(reads, command)));

        await redis.Server.ResetStatsAsync();
        for (var i = 0; i < Events; i++)
        {
            await hub.InvokeAsync("WriteSession", "visits", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var writes = await redis.Server.CommandStatsAsync();

        // The same read, then the merged commit: one script call more (Tether.Redis's compare-and-set), whose HGET, HSET
        // and PEXPIRE run inside Redis, where RedisCache.SetAsync would have sent HSET and EXPIRE.
        Assert.Equal(2 * Events, Count(writes, "evalsha") + Count(writes, "eval"));
        Assert.Equal(3 * Events, Count(writes, "hmget"));
        Assert.Equal(Events, Count(writes, "hget"));
        Assert.Equal(Events, Count(writes, "hset"));
        Assert.Equal((3 * Events) + Events, Count(writes, "pexpire"));
        Assert.All(s_outsideScript.Except(["pexpire", "hget", "hset"]), command => Assert.Equal(0, Count(writes, command)));
        Assert.Equal((Events - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), await browser.GetAsync("/session/get?key=visits"));
    }

    private static long Count(Dictionary<string, long> stats, string command) => stats.GetValueOrDefault(command);
}
