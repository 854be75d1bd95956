namespace Tether.Tests.Redis;

/// <summary>
/// Two nodes of one app (one prefix) on one Redis, as the two-node test classes start them; with
/// <see cref="StartOwnAsync"/>, on a Redis of their own that fault tests may kill or pause (it is resumed and stopped
/// with them).
/// </summary>
internal sealed class RedisNodes : IAsyncDisposable
{
    private readonly RedisServer? _own;

    private RedisNodes(CoreTestApp a, CoreTestApp b, RedisServer? own) => (A, B, _own) = (a, b, own);

    public CoreTestApp A { get; }

    public CoreTestApp B { get; }

    /// <summary>The Redis of their own, when <see cref="StartOwnAsync"/> started them.</summary>
    public RedisServer Redis => _own ?? throw new InvalidOperationException("These nodes share the collection's Redis.");

    public static async Task<RedisNodes> StartAsync(RedisServer redis, string prefix)
        => new(await RedisNode.StartAsync(redis, prefix), await RedisNode.StartAsync(redis, prefix), own: null);

    public static async Task<RedisNodes> StartOwnAsync(string prefix)
    {
        var redis = await RedisServer.StartAsync();
        return new(await RedisNode.StartAsync(redis, prefix), await RedisNode.StartAsync(redis, prefix), redis);
    }

    public async ValueTask DisposeAsync()
    {
        _own?.Resume();
        await A.DisposeAsync();
        await B.DisposeAsync();
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
    }
}
