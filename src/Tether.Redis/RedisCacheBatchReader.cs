using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// Reads several entries of the app's <see cref="RedisCache"/> in one round trip, so an event's session and sign-in
/// records cost one round trip instead of two per entry (<see cref="RedisCache"/> reads a hash, then slides its
/// expiration).
/// </summary>
/// <remarks>
/// <para>
/// One pipelined batch, no script: for each entry an <c>HMGET</c> of <see cref="RedisCache"/>'s own layout (a hash of
/// <c>absexp</c>, <c>sldexp</c> and <c>data</c>, its expirations in UTC ticks, -1 for none) and a <c>PTTL</c>. A Lua
/// script did the same in one call, but cost Redis about 40 µs of CPU per event (issue 20), where these plain commands
/// cost a few. The layout is the pinned package's; a test writes with <see cref="RedisCache"/> and reads with this, so a
/// change of layout fails the build's tests, not users' sessions.
/// </para>
/// <para>
/// The sliding expiration is moved off the hot path. <see cref="RedisCache"/> slides an entry on every read; this slides
/// it (with an expiry command sent after the read, not awaited by the event) only when its time to live has fallen by
/// at least <see cref="SlideTolerance"/>: 1 % of the window, at most one second. So a busy session costs one slide a
/// second, not one per event, and an idle one expires at most that tolerance before <see cref="RedisCache"/> would have
/// let it (never after: the idle timeout is honoured, a little early rather than late). The slide is capped by the
/// absolute expiration, as <see cref="RedisCache"/>'s is. A slide that is lost is sent again by the next read, which
/// finds the time to live still short.
/// </para>
/// <para>
/// With the <see cref="NearCache"/> on, entries it holds are served from it after its fence, and only the others are
/// read; a read-only event of an established connection then sends Redis nothing but its share of one <c>PING</c>.
/// </para>
/// </remarks>
internal sealed class RedisCacheBatchReader(RedisConnection connection, IOptions<RedisCacheOptions> cacheOptions, NearCache nearCache) : IDistributedCacheBatchReader
{
    private static readonly RedisValue[] s_fields = ["absexp", "sldexp", "data"];

    private readonly string _instance = cacheOptions.Value.InstanceName ?? string.Empty;
    private readonly NearCache? _near = nearCache.Enabled ? nearCache : null;

    /// <summary>How far an entry's time to live may fall below its sliding window before a read slides it again.</summary>
    public static TimeSpan SlideTolerance(TimeSpan window) => TimeSpan.FromTicks(Math.Min(window.Ticks / 100, TimeSpan.TicksPerSecond));

    public async Task<byte[]?[]> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        var multiplexer = await connection.GetAsync();
        var values = new byte[]?[keys.Count];
        var near = _near;
        var missing = keys.Count;
        if (near is not null && near.HoldsAny(keys) && await near.FenceAsync() is var link and not 0)
        {
            // Every change made before this event began has reached this node: what is still held is current.
            var now = DateTimeOffset.UtcNow.UtcTicks;
            var clock = Environment.TickCount64;
            for (var i = 0; i < keys.Count; i++)
            {
                if (near.Get(keys[i], link, clock) is { } entry)
                {
                    values[i] = entry.Data;
                    missing--;
                    var left = entry.Deadline == long.MaxValue ? (TimeSpan?)null : TimeSpan.FromMilliseconds(entry.Deadline - clock);
                    // Sent once per entry: its invalidation drops the entry, and the entry's deadline stays what Redis said,
                    // so a slide that is lost never keeps a copy past its key's expiry.
                    if (SlideDue(entry.Absolute, entry.Sliding, left, now) is { } slide && entry.TrySlide())
                    {
                        _ = multiplexer.GetDatabase().KeyExpireAsync(_instance + keys[i], slide, CommandFlags.FireAndForget);
                    }
                }
            }

            near.Served(keys.Count - missing);
            if (missing == 0)
            {
                return values;
            }
        }

        // Before the read: Redis's time to live counts from a moment after this, so the deadline kept with it is early.
        var sent = Environment.TickCount64;
        var capture = near?.Begin() ?? default;
        var database = multiplexer.GetDatabase();

        // One batch is one write to the socket and one wait for the replies; in a cluster each command goes to its key's
        // node, so keys of different hash slots need no special case.
        var batch = database.CreateBatch();
        var redisKeys = new string[keys.Count];
        var entries = new Task<RedisValue[]>?[keys.Count];
        var lifetimes = new Task<TimeSpan?>?[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            // A value is set here only by a copy served above (a copy always holds data).
            if (values[i] is null)
            {
                redisKeys[i] = _instance + keys[i];
                entries[i] = batch.HashGetAsync(redisKeys[i], s_fields);
                lifetimes[i] = batch.KeyTimeToLiveAsync(redisKeys[i]);
            }
        }

        batch.Execute();
        var read = DateTimeOffset.UtcNow.UtcTicks;
        for (var i = 0; i < keys.Count; i++)
        {
            if (entries[i] is not { } entryRead)
            {
                continue;
            }

            var entry = await entryRead;
            var lifetime = await lifetimes[i]!;
            if (entry.Length < 3 || entry[2].IsNull)
            {
                continue;
            }

            var data = (byte[]?)entry[2];
            values[i] = data;
            entry[0].TryParse(out long absolute);
            entry[1].TryParse(out long sliding);
            var slide = SlideDue(absolute, sliding, lifetime, read);
            if (slide is not null)
            {
                // Not awaited: the event has what it needs. A lost slide is sent again by the next read.
                _ = database.KeyExpireAsync(redisKeys[i], slide, CommandFlags.FireAndForget);
            }
            else if (near is not null && data is not null)
            {
                // Kept unless its key changes before this lands (a slide is such a change: the entry is read again after).
                near.Keep(keys[i], capture, data, absolute, sliding, lifetime is { } left ? sent + (long)left.TotalMilliseconds : long.MaxValue);
            }
        }

        return values;
    }

    // The new time to live when the entry slides and is due to, else null: RedisCache's own rule (the sliding window,
    // capped by the absolute expiration), applied only once the time to live has fallen by the tolerance.
    private static TimeSpan? SlideDue(long absolute, long sliding, TimeSpan? lifetime, long now)
    {
        if (sliding <= 0)
        {
            return null;
        }

        var timeout = sliding;
        if (absolute > 0 && absolute - now < timeout)
        {
            timeout = absolute - now;
        }

        var window = TimeSpan.FromTicks(timeout);
        if (window < TimeSpan.FromMilliseconds(1))
        {
            return null;
        }

        return lifetime is { } left && left > window - SlideTolerance(TimeSpan.FromTicks(sliding)) ? null : window;
    }
}
