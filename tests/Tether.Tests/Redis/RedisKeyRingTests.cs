using System.Xml.Linq;
using Microsoft.Extensions.Logging.Abstractions;
using Tether.Redis;

namespace Tether.Tests.Redis;

/// <summary>The key ring's store on a real Redis, as two nodes use it, each on a connection of its own.</summary>
[Collection("Redis")]
[Trait("Requires", "redis-server")]
public sealed class RedisKeyRingTests(RedisFixture redis) : IDisposable
{
    private readonly string _prefix = "keyring-" + Guid.NewGuid().ToString("N");
    private readonly List<RedisConnection> _connections = [];

    [Fact]
    public async Task Two_nodes_that_hold_the_same_key_store_it_once_however_they_restore_it()
    {
        var a = Node();
        var b = Node();
        var key = Key();
        a.StoreElement(key, "key");
        Assert.Single(b.GetAllElements());

        // Redis lost the ring; both nodes put it back, all at once, and each stores the key again on top.
        await redis.Server.DeleteAsync(ListKey);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? a : b).CheckAsync()));
        a.StoreElement(key, "key");
        b.StoreElement(key, "key");

        // Data Protection refuses a ring that holds one key id twice, so every node would fail to protect anything.
        Assert.Single(await redis.Server.ListAsync(ListKey));
        Assert.Single(a.GetAllElements());
    }

    [Fact]
    public async Task A_node_that_finds_a_key_it_never_held_says_so_once_and_one_that_finds_nothing_new_stays_quiet()
    {
        var a = Node();
        var b = Node();
        a.StoreElement(Key(), "key");
        var learned = 0;
        b.Learned += () => Interlocked.Increment(ref learned);

        await b.CheckAsync();
        await b.CheckAsync();

        Assert.Equal(1, learned);
        Assert.Single(await redis.Server.ListAsync(ListKey));
    }

    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }
    }

    private string ListKey => _prefix + ":DataProtection-Keys";

    private static XElement Key() => new("key", new XAttribute("id", Guid.NewGuid()), new XAttribute("version", 1));

    private RedisKeyRing Node()
    {
        var connection = new RedisConnection(
            Options.Create(new TetherRedisOptions { Configuration = redis.Server.Configuration, Prefix = _prefix }),
            NullLogger<RedisConnection>.Instance);
        _connections.Add(connection);
        return new RedisKeyRing(connection, NullLogger<RedisKeyRing>.Instance);
    }
}
