using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// The one connection multiplexer that the cache, the Data Protection key ring, the SignalR backplane and the revocation
/// bus share, connected on first use. Every failure it reports is logged with its reason.
/// </summary>
internal sealed partial class RedisConnection(IOptions<TetherRedisOptions> options, ILogger<RedisConnection> logger) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile IConnectionMultiplexer? _multiplexer;
    private ConfigurationOptions? _configuration;
    private int _connectTimeout = 5000;

    /// <summary>Raised after the connection (or its subscription connection) came back from a failure.</summary>
    public event Action? Restored;

    public string Prefix => options.Value.Prefix!;

    /// <summary>The configuration the multiplexer connects with (the app's, with Tether's defaults where it set none).</summary>
    public ConfigurationOptions Options => _configuration ??= Configuration();

    public IConnectionMultiplexer Get()
    {
        if (_multiplexer is { } multiplexer)
        {
            return multiplexer;
        }

        bool created;
        _lock.Wait();
        try
        {
            created = _multiplexer is null;
            multiplexer = _multiplexer ??= Attach(ConnectionMultiplexer.Connect(Options));
        }
        finally
        {
            _lock.Release();
        }

        OnCreated(created);
        return multiplexer;
    }

    public async Task<IConnectionMultiplexer> GetAsync()
    {
        if (_multiplexer is { } multiplexer)
        {
            return multiplexer;
        }

        bool created;
        await _lock.WaitAsync();
        try
        {
            created = _multiplexer is null;
            multiplexer = _multiplexer ??= Attach(await ConnectionMultiplexer.ConnectAsync(Options));
        }
        finally
        {
            _lock.Release();
        }

        OnCreated(created);
        return multiplexer;
    }

    /// <summary>
    /// The connection once its subscription link is up as well, for a caller about to subscribe; a
    /// <see cref="RedisConnectionException"/> while Redis is unavailable.
    /// </summary>
    /// <remarks>
    /// The first connect can return a moment before the subscription link has finished its handshake, and a SUBSCRIBE sent
    /// then fails at once (the backlog policy is fail-fast). The revocation bus and the key-ring watch would try again when
    /// the link is restored, but the SignalR backplane subscribes once, as it is created, and never again
    /// (RedisHubLifetimeManager.EnsureRedisServerConnection keeps its connection even when the subscriptions after it
    /// throw): its node would hear no other node's hub messages until it restarts. So that short wait is made here, as long
    /// as a connect may take; and while Redis is down this throws, so the backplane keeps no connection and tries again on
    /// its next use.
    /// </remarks>
    public async Task<IConnectionMultiplexer> GetSubscribedAsync()
    {
        var multiplexer = await GetAsync();
        if (multiplexer.GetSubscriber().IsConnected())
        {
            return multiplexer;
        }

        if (multiplexer.IsConnected)
        {
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnRestored(object? sender, ConnectionFailedEventArgs e)
            {
                if (e.ConnectionType == ConnectionType.Subscription)
                {
                    up.TrySetResult();
                }
            }

            multiplexer.ConnectionRestored += OnRestored;
            try
            {
                if (multiplexer.GetSubscriber().IsConnected())
                {
                    return multiplexer;
                }

                await up.Task.WaitAsync(TimeSpan.FromMilliseconds(_connectTimeout));
                return multiplexer;
            }
            catch (TimeoutException)
            {
            }
            finally
            {
                multiplexer.ConnectionRestored -= OnRestored;
            }
        }

        throw new RedisConnectionException(ConnectionFailureType.UnableToConnect,
            "Redis is unavailable, so nothing can subscribe on it now; the connection retries by itself.");
    }

    // A first connect that threw (abortConnect=true) leaves no multiplexer to raise ConnectionRestored later: the one that
    // finally connects counts as a restore, so a subscription that failed at start is made now.
    private void OnCreated(bool created)
    {
        if (created && Restored is { } restored)
        {
            _ = Task.Run(restored);
        }
    }

    public void Dispose() => _multiplexer?.Dispose();

    private ConfigurationOptions Configuration()
    {
        // Every channel on this connection (the SignalR backplane's, named after the hub types, and the revocation bus's)
        // carries the app's prefix: RedisHubLifetimeManager ignores RedisOptions.Configuration.ChannelPrefix when it is
        // given a connection factory, so two apps on one Redis would otherwise hear each other's hub messages.
        var channelPrefix = RedisChannel.Literal(Prefix + ":");
        if (options.Value.ConfigurationOptions is { } given)
        {
            var copy = given.Clone();
            copy.ChannelPrefix = channelPrefix;
            _connectTimeout = copy.ConnectTimeout;
            return copy;
        }

        var configuration = options.Value.Configuration!;
        var parsed = ConfigurationOptions.Parse(configuration);
        parsed.ChannelPrefix = channelPrefix;
        // Start while Redis is down and reconnect by itself, rather than failing the app's start.
        if (!configuration.Contains("abortConnect", StringComparison.OrdinalIgnoreCase))
        {
            parsed.AbortOnConnectFail = false;
        }

        // While Redis is down an event fails at once with Tether's typed error, instead of every command waiting in a
        // backlog for its timeout (5 s by default) while the circuit's or hub's caller waits too.
        parsed.BacklogPolicy = BacklogPolicy.FailFast;
        // CLIENT SETINFO is Redis 7.2+; older servers (Debian 12 has 7.0) answer it with an error on every connect.
        if (!configuration.Contains("setlib", StringComparison.OrdinalIgnoreCase))
        {
            parsed.SetClientLibrary = false;
        }

        // Back within a second or so of Redis's return, rather than after the default exponential back-off.
        parsed.ReconnectRetryPolicy = new LinearRetry(1000);
        _connectTimeout = parsed.ConnectTimeout;
        return parsed;
    }

    private IConnectionMultiplexer Attach(IConnectionMultiplexer multiplexer)
    {
        multiplexer.ConnectionFailed += (_, e) => Log.ConnectionFailed(logger, e.EndPoint?.ToString(), e.ConnectionType, e.FailureType, e.Exception?.Message);
        multiplexer.ConnectionRestored += (_, e) =>
        {
            Log.ConnectionRestored(logger, e.EndPoint?.ToString(), e.ConnectionType);
            Restored?.Invoke();
        };
        multiplexer.ErrorMessage += (_, e) => Log.ServerError(logger, e.EndPoint?.ToString(), e.Message);
        multiplexer.InternalError += (_, e) => Log.InternalError(logger, e.Origin, e.Exception);
        return multiplexer;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ConnectionFailed, LogLevel.Warning,
            "Redis connection to {EndPoint} ({ConnectionType}) failed: {FailureType}. {Reason}")]
        public static partial void ConnectionFailed(ILogger logger, string? endPoint, ConnectionType connectionType, ConnectionFailureType failureType, string? reason);

        [LoggerMessage(EventIds.ConnectionRestored, LogLevel.Information, "Redis connection to {EndPoint} ({ConnectionType}) restored.")]
        public static partial void ConnectionRestored(ILogger logger, string? endPoint, ConnectionType connectionType);

        [LoggerMessage(EventIds.ServerError, LogLevel.Warning, "Redis server {EndPoint} reported an error: {Message}")]
        public static partial void ServerError(ILogger logger, string? endPoint, string message);

        [LoggerMessage(EventIds.InternalError, LogLevel.Warning, "The Redis client failed internally in {Origin}.")]
        public static partial void InternalError(ILogger logger, string? origin, Exception exception);
    }
}
