using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tether.Redis;

/// <summary>
/// This node's copy of the store entries its events read (sessions, sign-in and user records), served only while Redis
/// itself reports every change to them: server-assisted client-side caching (<c>CLIENT TRACKING</c>) in broadcast mode
/// for the cache's key prefix, on a link of its own.
/// </summary>
/// <remarks>
/// <para>
/// <b>Why a link of its own.</b> StackExchange.Redis (2.7) cannot say which of its connections a <c>CLIENT TRACKING</c>
/// landed on, nor when that one reconnected (and tracking silently ended), and it hands pub/sub messages to the thread
/// pool, so nothing orders an invalidation against a reply. <see cref="NearCacheLink"/> is one RESP3 socket that only
/// tracks; the entries themselves are still read through the shared multiplexer.
/// </para>
/// <para>
/// <b>Why an entry it holds is never stale.</b> Before an event uses an entry it holds, it waits for a fence: a
/// <c>PING</c> on this link sent after the event began. Redis answers one connection in order, so when the answer is
/// read every invalidation Redis had sent before it has been read and applied (the link's one reader applies pushes as
/// it reads them). A write that completed anywhere before the event began was executed before that <c>PING</c>, and
/// Redis queues the invalidation of a write no later than the end of the event-loop turn that executed it, before any
/// later command's answer. So an entry that survives the fence was current when the fence was answered, and the event
/// reads no older state than a read of its own would have. One fence serves every event that began before it was sent,
/// and there is at most one in flight: on a busy node one <c>PING</c> serves many events, and no event waits for more
/// than two.
/// </para>
/// <para>
/// <b>When in doubt, Redis is read.</b> Each entry read from Redis is kept only if no invalidation of its key arrived
/// since just before the read was sent, and only on the link it was read under: when the link drops (a reset, a
/// <c>CLIENT KILL</c>, a Redis restart) every entry is dropped with it, and nothing is kept again until tracking is back on
/// a new link. While the link is down, or a fence has gone unanswered for <see cref="NearCacheLink.FenceTimeout"/> (a Redis that hangs,
/// or a link that died without a reset), events read Redis as they would without a near cache, which answers or fails
/// with the store's typed refusal. A <c>FLUSHALL</c> (an invalidation of everything) drops every entry.
/// </para>
/// <para>
/// A served entry still slides in Redis at most once per <see cref="RedisCacheBatchReader.SlideTolerance"/>; the slide is a
/// write, so its invalidation drops the entry and the next event reads it again. The copy is bounded
/// (<see cref="MaxBytes"/>). It needs one standalone Redis 6 or later over plain TCP; with TLS, Sentinel, a proxy, a
/// cluster or several endpoints it stays off, saying so once. docs/scale-out.md has the whole design.
/// </para>
/// </remarks>
internal sealed class NearCache : IDisposable
{
    private const long MaxBytes = 64L * 1024 * 1024;
    private const int MaxInvalidated = 4096;

    private readonly object _lock = new();
    // Read without the lock (an event's lookups); changed only under it, so a keep and an invalidation of one key are ordered.
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    // Keys invalidated on this link, with the sequence number of their latest invalidation; pruned by raising _floor.
    private readonly Dictionary<string, long> _invalidated = new(StringComparer.Ordinal);
    private readonly NearCacheLink _link;

    private long _current;
    private long _sequence;
    private long _floor;
    private long _bytes;
    private long _hits;
    private long _misses;

    public NearCache(RedisConnection connection, IOptions<TetherRedisOptions> options, IOptions<RedisCacheOptions> cacheOptions, ILogger<NearCache> logger)
    {
        Enabled = options.Value.NearCache;
        _link = new NearCacheLink(this, connection, cacheOptions.Value.InstanceName ?? string.Empty, logger);
    }

    /// <summary>Whether events use it: on by default, off when the link finds Redis unfit (see the remarks).</summary>
    public bool Enabled { get; internal set; }

    /// <summary>The Redis client id of the current link, or 0 while it is down (for tests that cut it).</summary>
    public long ClientId => _link.ClientId;

    /// <summary>Entries served from this node's copy.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Entries read from Redis.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    public void Count(int hits, int misses)
    {
        if (hits > 0)
        {
            Interlocked.Add(ref _hits, hits);
        }

        if (misses > 0)
        {
            Interlocked.Add(ref _misses, misses);
        }
    }

    /// <summary>Opens the link on first use; a no-op after.</summary>
    public void EnsureStarted()
    {
        if (Enabled)
        {
            _link.EnsureStarted();
        }
    }

    /// <inheritdoc cref="NearCacheLink.FenceAsync"/>
    public Task<long> FenceAsync() => _link.FenceAsync();

    /// <summary>Whether any of <paramref name="keys"/> is held, so a fence may pay off.</summary>
    public bool HoldsAny(string[] keys)
    {
        foreach (var key in keys)
        {
            if (_entries.ContainsKey(key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The entry held for <paramref name="key"/> on <paramref name="link"/>, unless it is due to expire.</summary>
    /// <remarks>
    /// Without the lock: the fence that returned <paramref name="link"/> completed after the link's reader removed every
    /// entry it had an invalidation for, and an entry kept under another link is refused by its own link id.
    /// </remarks>
    public Entry? Get(string key, long link, long now)
        => _entries.TryGetValue(key, out var entry) && entry.Link == link && Volatile.Read(ref entry.Deadline) > now ? entry : null;

    /// <summary>Marks the entry as slid to <paramref name="deadline"/>, so the next event does not send the slide again.</summary>
    public static void Slid(Entry entry, long deadline) => Volatile.Write(ref entry.Deadline, deadline);

    /// <summary>Taken just before entries are read from Redis; <see cref="Keep"/> keeps what the read returns only under it.</summary>
    public Capture Begin()
    {
        lock (_lock)
        {
            return new Capture(_current, _sequence);
        }
    }

    /// <summary>Keeps what a read taken under <paramref name="capture"/> returned, unless its key changed since.</summary>
    public void Keep(string key, Capture capture, byte[] data, long absolute, long sliding, long deadline)
    {
        lock (_lock)
        {
            if (capture.Link == 0 || capture.Link != _current || capture.Sequence < _floor
                || (_invalidated.TryGetValue(key, out var changed) && changed > capture.Sequence))
            {
                return;
            }

            RemoveLocked(key);
            if (_bytes + data.Length > MaxBytes)
            {
                return;
            }

            _entries[key] = new Entry(capture.Link, data, absolute, sliding, deadline);
            _bytes += data.Length;
        }
    }

    public void Dispose() => _link.Dispose();

    /// <summary>Called by the link once Redis tracks the prefix for it: reads from now on may be kept under <paramref name="link"/>.</summary>
    internal void Up(long link)
    {
        lock (_lock)
        {
            _current = link;
        }
    }

    /// <summary>Called by the link as it is lost: everything held is dropped, and nothing is kept until it is back.</summary>
    internal void Down()
    {
        lock (_lock)
        {
            _current = 0;
            _entries.Clear();
            _bytes = 0;
            _invalidated.Clear();
            _floor = ++_sequence;
        }
    }

    /// <summary>Called by the link's reader for each invalidation, in the order Redis sent them; null keys mean all.</summary>
    internal void Invalidate(object?[]? keys)
    {
        lock (_lock)
        {
            _sequence++;
            if (keys is null)
            {
                // Everything (FLUSHALL, FLUSHDB).
                _entries.Clear();
                _bytes = 0;
                _invalidated.Clear();
                _floor = _sequence;
                return;
            }

            if (_invalidated.Count + keys.Length > MaxInvalidated)
            {
                // What was invalidated before now is forgotten, so reads begun before now are not kept.
                _invalidated.Clear();
                _floor = _sequence;
            }

            foreach (var item in keys)
            {
                if (item is string key)
                {
                    RemoveLocked(key);
                    _invalidated[key] = _sequence;
                }
            }
        }
    }

    private void RemoveLocked(string key)
    {
        if (_entries.TryRemove(key, out var old))
        {
            _bytes -= old.Data.Length;
        }
    }

    /// <summary>A held entry: the cache's value, its expirations (RedisCache's ticks) and when Redis expires it.</summary>
    internal sealed class Entry(long link, byte[] data, long absolute, long sliding, long deadline)
    {
        /// <summary>UTC ticks at which Redis expires the entry, as its time to live said; <see cref="long.MaxValue"/> for never.</summary>
        public long Deadline = deadline;

        /// <summary>The link it was read under.</summary>
        public long Link { get; } = link;

        public byte[] Data { get; } = data;

        public long Absolute { get; } = absolute;

        public long Sliding { get; } = sliding;
    }

    /// <summary>The link and the last invalidation applied, just before a read from Redis.</summary>
    internal readonly record struct Capture(long Link, long Sequence);
}
