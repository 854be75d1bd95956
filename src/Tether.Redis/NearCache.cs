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
/// <b>Never stale.</b> Before an event uses a copy it waits for a fence (<see cref="NearCacheLink"/>): a <c>PING</c> on
/// the link sent after the event began. Redis answers one connection in order, and queues a write's invalidation before
/// any later command's answer, so once the answer is read (the link's one reader applies pushes as it reads them) every
/// change made before the event began has dropped its copy. A read is kept only if no invalidation of its key came
/// since just before it was sent, and only under the link it was read on: a lost link drops everything.
/// </para>
/// <para>
/// <b>When in doubt, Redis is read:</b> while the link is down, or a fence is overdue (<see cref="NearCacheLink.FenceTimeout"/>).
/// A copy is never served past the expiry its time to live announced (a monotonic clock, from before the read); a
/// served entry slides once, and its slide's invalidation drops it. Values are shared between events, read-only. Bounded
/// by <see cref="MaxBytes"/>. The whole design, and what Redis setups it refuses: docs/scale-out.md, "The near cache".
/// </para>
/// </remarks>
internal sealed partial class NearCache : IDisposable
{
    private const long MaxBytes = 64L * 1024 * 1024;
    private const int MaxInvalidated = 4096;

    private readonly object _lock = new();
    // Read without the lock (an event's lookups); changed only under it, so a keep and an invalidation of one key are ordered.
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    // Keys invalidated on this link, with the sequence number of their latest invalidation; pruned by raising _floor.
    private readonly Dictionary<string, long> _invalidated = new(StringComparer.Ordinal);
    private readonly NearCacheLink _link;

    // Entries are held under the cache's own keys, without the instance name: an event's hit builds no Redis key. Redis
    // names a change by its full key, which the prefix is taken off.
    private readonly string _prefix;

    private long _current;
    private long _sequence;
    private long _floor;
    private long _bytes;
    private long _swept = long.MinValue / 2;
    private long _hits;

    public NearCache(RedisConnection connection, IOptions<TetherRedisOptions> options, IOptions<RedisCacheOptions> cacheOptions, ILogger<NearCache> logger)
    {
        Enabled = options.Value.NearCache;
        _prefix = cacheOptions.Value.InstanceName ?? string.Empty;
        _link = new NearCacheLink(this, connection, _prefix, logger);
    }

    /// <summary>Whether events use it: on by default, off when the link finds Redis unfit (see the remarks).</summary>
    public bool Enabled { get; internal set; }

    /// <summary>The Redis client id of the current link, or 0 while it is down (for tests that cut it).</summary>
    public long ClientId => _link.ClientId;

    /// <summary>Entries served from this node's copy (for tests that must see the copy used).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    public void Served(int entries) => Interlocked.Add(ref _hits, entries);

    /// <summary>Opens the link (at the app's start, by <see cref="RedisBusStartup"/>); a no-op after.</summary>
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
    public bool HoldsAny(IReadOnlyList<string> keys)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            if (_entries.ContainsKey(key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The entry held for <paramref name="key"/> on <paramref name="link"/>, unless it is due to expire by <paramref name="clock"/> (<see cref="Environment.TickCount64"/>).</summary>
    /// <remarks>
    /// Without the lock: the fence that returned <paramref name="link"/> completed after the link's reader removed every
    /// entry it had an invalidation for, and an entry kept under another link is refused by its own link id.
    /// </remarks>
    public Entry? Get(string key, long link, long clock)
        => _entries.TryGetValue(key, out var entry) && entry.Link == link && entry.Deadline > clock ? entry : null;

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
            if (_bytes + Size(key, data) > MaxBytes && !SweepLocked())
            {
                return;
            }

            _entries[key] = new Entry(capture.Link, data, absolute, sliding, deadline);
            _bytes += Size(key, data);
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
                // Tracking is by prefix (BCAST PREFIX), so every key Redis names carries it.
                if (item is string full && full.StartsWith(_prefix, StringComparison.Ordinal))
                {
                    var key = full[_prefix.Length..];
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
            _bytes -= Size(key, old.Data);
        }
    }

    // Full: drops what is past its deadline (Redis expires it, or already did), at most once a second. Whether room was made.
    private bool SweepLocked()
    {
        var clock = Environment.TickCount64;
        if (clock - _swept < 1000)
        {
            return false;
        }

        _swept = clock;
        foreach (var (key, entry) in _entries)
        {
            if (entry.Deadline <= clock)
            {
                RemoveLocked(key);
            }
        }

        return _bytes < MaxBytes * 9 / 10;
    }

    // The value, the key's characters, and about what the entry and its slot cost.
    private static long Size(string key, byte[] data) => data.Length + (2L * key.Length) + 128;
}
