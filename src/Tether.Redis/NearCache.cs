using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// This node's copy of the store entries its events read (sessions, sign-in and user records), served only while Redis
/// itself reports every change to them: server-assisted client-side caching (<c>CLIENT TRACKING</c>) in broadcast mode
/// for the cache's key prefix, on a link of its own.
/// </summary>
/// <remarks>
/// <para>
/// <b>Why a link of its own.</b> StackExchange.Redis (2.7) has no client-side caching: it cannot say which of its
/// connections a <c>CLIENT TRACKING</c> landed on, nor tell when that one reconnected (and tracking silently ended), and it
/// hands pub/sub messages to handlers on the thread pool, so nothing orders an invalidation against a reply. This link is
/// one RESP3 socket that does nothing but track: <c>HELLO 3</c>, then <c>CLIENT TRACKING ON BCAST PREFIX</c> the cache's
/// instance name, with no redirect. Redis then pushes an <c>invalidate</c> for every key of that prefix any client
/// changes, deletes, or lets expire or evicts, on this same socket. The entries themselves are still read through the
/// shared multiplexer.
/// </para>
/// <para>
/// <b>Why an entry it holds is never stale.</b> Before an event uses an entry it holds, it waits for a fence: a
/// <c>PING</c> on this link sent after the event began. Redis answers one connection in order, so when the answer is
/// read every invalidation Redis had sent before it has been read and applied (this link's one reader applies pushes as
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
/// a new link. While the link is down, or a fence has gone unanswered for <see cref="FenceTimeout"/> (a Redis that hangs,
/// or a link that died without a reset), events read Redis as they would without a near cache, which answers or fails
/// with the store's typed refusal. A <c>FLUSHALL</c> (an invalidation of everything) drops every entry.
/// </para>
/// <para>
/// <b>Sliding expiration.</b> A served entry still slides in Redis at most once per tolerance
/// (<see cref="RedisCacheBatchReader.SlideTolerance"/>), from the time to live read with it. The slide is a write, so its
/// invalidation drops the entry, and the next event reads it again: a busy session costs one read a second, not one per
/// event.
/// </para>
/// <para>
/// It is bounded (<see cref="MaxBytes"/> of values): when full it keeps nothing more until invalidations or expirations
/// free room. It needs one standalone Redis 6 or later, reached over plain TCP; with TLS, Sentinel, a proxy, a cluster or
/// several endpoints it stays off, saying so once, and events read Redis as before.
/// </para>
/// </remarks>
internal sealed partial class NearCache : IDisposable
{
    /// <summary>How long an unanswered fence is trusted to come; after it, events read Redis until it answers.</summary>
    public static readonly TimeSpan FenceTimeout = TimeSpan.FromMilliseconds(500);

    private const long MaxBytes = 64L * 1024 * 1024;
    private const int MaxInvalidated = 4096;
    private static readonly byte[] s_ping = RespReader.Command("PING");

    private readonly RedisConnection _connection;
    private readonly ILogger<NearCache> _logger;
    private readonly string _prefix;
    private readonly object _lock = new();
    // Read without the lock (an event's lookups); changed only under it, so a keep and an invalidation of one key are ordered.
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    // Keys invalidated on this link, with the sequence number of their latest invalidation; pruned by raising _floor.
    private readonly Dictionary<string, long> _invalidated = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Timer _watch;

    private Task? _run;
    private Socket? _socket;
    private long _links;
    private long _link;
    private bool _up;
    private long _sequence;
    private long _floor;
    private long _bytes;
    private TaskCompletionSource<long>? _next;
    private TaskCompletionSource<long>? _waiting;
    private bool _pingOutstanding;
    private long _pingSentAt;
    private long _hits;
    private long _misses;

    public NearCache(RedisConnection connection, IOptions<TetherRedisOptions> options, IOptions<RedisCacheOptions> cacheOptions, ILogger<NearCache> logger)
    {
        _connection = connection;
        _logger = logger;
        _prefix = cacheOptions.Value.InstanceName ?? string.Empty;
        Enabled = options.Value.NearCache;
        _watch = new Timer(static state => ((NearCache)state!).Watch(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public bool Enabled { get; private set; }

    /// <summary>The Redis client id of the current link, or 0 while it is down (for tests that cut it).</summary>
    public long ClientId { get; private set; }

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

    /// <summary>Starts the link on first use; a no-op after.</summary>
    public void EnsureStarted()
    {
        if (_run is null && Enabled)
        {
            lock (_lock)
            {
                // Read on the thread pool, not a thread of its own: a busy node answers its fences later, so more events share
                // each one (a thread woken per answer cost more CPU per event than it saved in latency, in bench/README.md).
                _run ??= Task.Run(() => RunAsync(_stopping.Token));
            }
        }
    }

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

    /// <summary>
    /// The link under which held entries are current once every invalidation sent before this call has been applied; 0
    /// when the cache cannot vouch for them now (the link is down or a fence is overdue).
    /// </summary>
    public Task<long> FenceAsync()
    {
        lock (_lock)
        {
            if (!_up || (_pingOutstanding && Environment.TickCount64 - _pingSentAt > (long)FenceTimeout.TotalMilliseconds))
            {
                return Task.FromResult(0L);
            }

            var next = _next ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_pingOutstanding)
            {
                SendPingLocked();
            }

            return next.Task;
        }
    }

    /// <summary>The entry held for <paramref name="key"/> on <paramref name="link"/>, unless it is due to expire.</summary>
    /// <remarks>
    /// Without the lock: the fence that returned <paramref name="link"/> completed after the link's reader removed every
    /// entry it had invalidation for, and an entry kept under another link is refused by its own link id.
    /// </remarks>
    public Entry? Get(string key, long link, long now)
        => _entries.TryGetValue(key, out var entry) && entry.Link == link && entry.Deadline > now ? entry : null;

    /// <summary>Marks the entry as slid to <paramref name="deadline"/>, so the next event does not send the slide again.</summary>
    public static void Slid(Entry entry, long deadline) => Volatile.Write(ref entry.Deadline, deadline);

    /// <summary>Taken just before entries are read from Redis; <see cref="Keep"/> keeps what the read returns only under it.</summary>
    public Capture Begin()
    {
        lock (_lock)
        {
            return _up ? new Capture(_link, _sequence) : default;
        }
    }

    /// <summary>Keeps what a read taken under <paramref name="capture"/> returned, unless its key changed since.</summary>
    public void Keep(string key, Capture capture, byte[] data, long absolute, long sliding, long deadline)
    {
        lock (_lock)
        {
            if (capture.Link == 0 || capture.Link != _link || !_up || capture.Sequence < _floor
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

    public void Dispose()
    {
        _stopping.Cancel();
        _watch.Dispose();
        lock (_lock)
        {
            _socket?.Dispose();
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        if (Unsupported(_connection.Options) is { } reason)
        {
            Enabled = false;
            Log.Unsupported(_logger, reason);
            return;
        }

        var endPoint = _connection.Options.EndPoints[0];
        var wasUp = true;
        while (!stopping.IsCancellationRequested)
        {
            var socket = endPoint is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                connect.CancelAfter(_connection.Options.ConnectTimeout);
                await socket.ConnectAsync(endPoint, connect.Token);
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                var reader = new RespReader(stream);
                var id = await HandshakeAsync(stream, reader, connect.Token);
                lock (_lock)
                {
                    _socket = socket;
                    _link = ++_links;
                    _up = true;
                    ClientId = id;
                }

                _watch.Change(FenceTimeout, FenceTimeout);
                Log.Up(_logger, _prefix, id);
                wasUp = true;
                while (true)
                {
                    switch (await reader.ReadAsync(stopping))
                    {
                        case RespPush { Items: [string kind, var keys] } when kind.Equals("invalidate", StringComparison.OrdinalIgnoreCase):
                            Invalidate(keys as object?[]);
                            break;
                        case RespPush:
                            break;
                        case "PONG":
                            Answered();
                            break;
                        case var other:
                            throw new InvalidDataException($"The near cache's link got an answer it did not ask for: {other}.");
                    }
                }
            }
            catch (NearCacheRefusedException ex)
            {
                Enabled = false;
                Down();
                Log.Unsupported(_logger, ex.Message);
                return;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                Down();
                if (wasUp)
                {
                    Log.Down(_logger, ex.Message);
                }

                wasUp = false;
            }
            catch (Exception)
            {
                Down();
            }
            finally
            {
                socket.Dispose();
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task<long> HandshakeAsync(NetworkStream stream, RespReader reader, CancellationToken cancellationToken)
    {
        var options = _connection.Options;
        string[] hello = options.Password is { } password
            ? ["HELLO", "3", "AUTH", options.User ?? "default", password, "SETNAME", "tether-near-cache"]
            : ["HELLO", "3", "SETNAME", "tether-near-cache"];
        await stream.WriteAsync(RespReader.Command(hello), cancellationToken);
        var reply = await reader.ReadAsync(cancellationToken);
        if (reply is RespError error)
        {
            throw new NearCacheRefusedException($"Redis refused HELLO 3 ({error.Message}); it needs Redis 6 or later and the connection's credentials.");
        }

        var fields = reply as object?[] ?? throw new InvalidDataException("HELLO 3 answered with no map.");
        long id = 0;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            if (fields[i] is "id" && fields[i + 1] is long value)
            {
                id = value;
            }
            else if (fields[i] is "mode" && fields[i + 1] is string mode && mode != "standalone")
            {
                throw new NearCacheRefusedException($"Redis runs in {mode} mode; the near cache tracks one standalone server.");
            }
        }

        string[] tracking = _prefix.Length > 0 ? ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", _prefix] : ["CLIENT", "TRACKING", "ON", "BCAST"];
        await stream.WriteAsync(RespReader.Command(tracking), cancellationToken);
        if (await reader.ReadAsync(cancellationToken) is not "OK" and var refused)
        {
            throw new NearCacheRefusedException($"Redis refused CLIENT TRACKING ({(refused as RespError)?.Message ?? refused}).");
        }

        return id;
    }

    private static string? Unsupported(ConfigurationOptions options)
        => options.EndPoints.Count != 1 ? "it tracks one Redis endpoint, and the configuration names " + options.EndPoints.Count
            : options.Ssl ? "its link does not speak TLS"
            : options.ServiceName is not null ? "it does not follow Sentinel"
            : options.Proxy != Proxy.None ? "it does not go through a proxy"
            : null;

    private void SendPingLocked()
    {
        _waiting = _next;
        _next = null;
        _pingOutstanding = true;
        _pingSentAt = Environment.TickCount64;
        try
        {
            // Fourteen bytes, one at a time: a send that cannot complete at once means the link is gone.
            _socket!.Send(s_ping, SocketFlags.None);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            _waiting?.TrySetResult(0);
            _waiting = null;
        }
    }

    private void Answered()
    {
        TaskCompletionSource<long>? answered;
        long link;
        lock (_lock)
        {
            answered = _waiting;
            link = _link;
            _waiting = null;
            _pingOutstanding = false;
            if (_next is not null)
            {
                SendPingLocked();
            }
        }

        answered?.TrySetResult(link);
    }

    // A fence unanswered for longer than FenceTimeout: its waiters read Redis instead (FenceAsync refuses new ones until
    // it is answered). Unanswered for ten times that, the link is taken for dead (a peer gone without a reset) and
    // replaced.
    private void Watch()
    {
        TaskCompletionSource<long>? waiting, next;
        lock (_lock)
        {
            var overdue = Environment.TickCount64 - _pingSentAt;
            if (!_pingOutstanding || overdue <= (long)FenceTimeout.TotalMilliseconds)
            {
                return;
            }

            (waiting, next, _waiting, _next) = (_waiting, _next, null, null);
            if (overdue > 10 * (long)FenceTimeout.TotalMilliseconds)
            {
                _socket?.Dispose();
            }
        }

        waiting?.TrySetResult(0);
        next?.TrySetResult(0);
    }

    private void Invalidate(object?[]? keys)
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

    private void Down()
    {
        TaskCompletionSource<long>? waiting, next;
        lock (_lock)
        {
            _up = false;
            _link = 0;
            ClientId = 0;
            _socket = null;
            _entries.Clear();
            _bytes = 0;
            _invalidated.Clear();
            _floor = ++_sequence;
            _pingOutstanding = false;
            (waiting, next, _waiting, _next) = (_waiting, _next, null, null);
        }

        _watch.Change(Timeout.Infinite, Timeout.Infinite);
        waiting?.TrySetResult(0);
        next?.TrySetResult(0);
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

    private sealed class NearCacheRefusedException(string message) : Exception(message);

    private static partial class Log
    {
        [LoggerMessage(EventIds.NearCacheUp, LogLevel.Information,
            "Redis near cache on: Redis reports every change of keys under '{Prefix}' to client {ClientId}.")]
        public static partial void Up(ILogger logger, string prefix, long clientId);

        [LoggerMessage(EventIds.NearCacheDown, LogLevel.Warning,
            "Redis near cache off until its invalidation link is back ({Reason}); events read Redis meanwhile.")]
        public static partial void Down(ILogger logger, string reason);

        [LoggerMessage(EventIds.NearCacheUnsupported, LogLevel.Warning,
            "Redis near cache unavailable: {Reason}. Events read Redis, as with TetherRedisOptions.NearCache = false.")]
        public static partial void Unsupported(ILogger logger, string reason);
    }
}
