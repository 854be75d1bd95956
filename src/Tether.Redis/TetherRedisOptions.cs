using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// Options for <c>AddRedis</c>: where Redis is, and the prefix that keeps this app's keys and channels apart from other
/// apps on the same Redis.
/// </summary>
public sealed class TetherRedisOptions
{
    /// <summary>
    /// The StackExchange.Redis configuration string (<c>"127.0.0.1:6379,password=..."</c>). Ignored when
    /// <see cref="ConfigurationOptions"/> is set.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// The StackExchange.Redis configuration, used as given. When only <see cref="Configuration"/> is set, Tether parses
    /// it and, unless the string says otherwise, lets the app start while Redis is down
    /// (<c>abortConnect=false</c>), fails commands at once while it is down instead of queueing them, and reconnects
    /// every second.
    /// </summary>
    public ConfigurationOptions? ConfigurationOptions { get; set; }

    /// <summary>
    /// Prefixes every key (cache entries, the Data Protection key ring) and channel (revocations, SignalR messages) this
    /// app uses. Nodes of one app must share it; two apps on one Redis must not. Defaults to the host's application name.
    /// </summary>
    public string? Prefix { get; set; }

    /// <summary>
    /// Keep the Data Protection key ring in Redis, so a cookie issued by one node reads on every other. A running node writes
    /// the keys it holds back when Redis lacks them (it came back empty). Default: <see langword="true"/>.
    /// </summary>
    public bool PersistDataProtectionKeys { get; set; } = true;

    /// <summary>
    /// Send the app's hubs' SignalR messages through Redis, so a message sent on one node reaches clients on every node.
    /// Blazor's circuits stay on SignalR's in-memory manager: they are sticky and never need Redis. Default: <see langword="true"/>.
    /// </summary>
    public bool UseSignalRBackplane { get; set; } = true;

    /// <summary>
    /// Keep a copy on each node of the store entries its events read (sessions, sign-in and user records), served only
    /// while Redis reports every change to them on a tracking link of the node's own (<c>CLIENT TRACKING</c>, Redis 6 or
    /// later), and only after a fence on that link proves no change is still on its way. A read-only event then costs
    /// Redis one shared <c>PING</c> instead of its reads. When the link is down, or Redis is a cluster, behind TLS,
    /// Sentinel or a proxy, events read Redis as they would without it. Default: <see langword="true"/>.
    /// </summary>
    public bool NearCache { get; set; } = true;
}
