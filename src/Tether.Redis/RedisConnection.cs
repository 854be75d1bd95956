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

    /// <summary>Raised after the connection (or its subscription connection) came back from a failure.</summary>
    public event Action? Restored;

    public string Prefix => options.Value.Prefix!;

    public IConnectionMultiplexer Get()
    {
        if (_multiplexer is { } multiplexer)
        {
            return multiplexer;
        }

        _lock.Wait();
        try
        {
            return _multiplexer ??= Attach(ConnectionMultiplexer.Connect(Configuration()));
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<IConnectionMultiplexer> GetAsync()
    {
        if (_multiplexer is { } multiplexer)
        {
            return multiplexer;
        }

        await _lock.WaitAsync();
        try
        {
            return _multiplexer ??= Attach(await ConnectionMultiplexer.ConnectAsync(Configuration()));
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _multiplexer?.Dispose();

    private ConfigurationOptions Configuration()
    {
        if (options.Value.ConfigurationOptions is { } given)
        {
            return given;
        }

        var configuration = options.Value.Configuration!;
        var parsed = ConfigurationOptions.Parse(configuration);
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
