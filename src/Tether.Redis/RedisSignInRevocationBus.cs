using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Tether.Authentication;

namespace Tether.Redis;

/// <summary>
/// The revocation bus on Redis pub/sub, on the channel <c>tether:revocations</c> (which the shared connection prefixes
/// with the app's prefix: <c>{prefix}:tether:revocations</c>). A revocation is delivered to
/// this node's subscribers at once, then published for the other nodes; each node ignores its own messages.
/// </summary>
/// <remarks>
/// The bus only speeds the reaction up: every event checks the sign-in store anyway. So a publish that fails (Redis is
/// down) is logged, not thrown, once the revocation itself is stored. The subscription is made when the app starts;
/// StackExchange.Redis restores it after every reconnect, and a subscription that could not be made at start (Redis was
/// down) is made when the connection is first restored.
/// </remarks>
internal sealed partial class RedisSignInRevocationBus : ISignInRevocationBus, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly ILogger<RedisSignInRevocationBus> _logger;
    private readonly RedisChannel _channel;
    private readonly string _node = Guid.NewGuid().ToString("N");
    private readonly Lock _lock = new();
    private Action<SignInRevocation>[] _handlers = [];
    // 0: not subscribed; 1: subscribing; 2: subscribed. Only the call that moves it from 0 subscribes.
    private int _subscription;
    private ChannelMessageQueue? _queue;

    public RedisSignInRevocationBus(RedisConnection connection, ILogger<RedisSignInRevocationBus> logger)
    {
        _connection = connection;
        _logger = logger;
        _channel = RedisChannel.Literal("tether:revocations");
        connection.Restored += () => _ = EnsureSubscribedAsync();
    }

    /// <summary>Whether this node currently receives other nodes' revocations.</summary>
    public bool IsSubscribed => Volatile.Read(ref _subscription) == 2;

    public async Task EnsureSubscribedAsync()
    {
        if (Interlocked.CompareExchange(ref _subscription, 1, 0) != 0)
        {
            return;
        }

        try
        {
            var subscriber = (await _connection.GetSubscribedAsync()).GetSubscriber();
            var queue = await Subscriptions.SubscribeAsync(subscriber, _channel);
            queue.OnMessage(message => Receive(message.Message));
            _queue = queue;
            Volatile.Write(ref _subscription, 2);
            Log.Subscribed(_logger, _channel.ToString());
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _subscription, 0);
            Log.SubscribeFailed(_logger, _channel.ToString(), ex);
        }
    }

    public async Task PublishAsync(SignInRevocation revocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        var local = Deliver(revocation);
        try
        {
            var subscriber = (await _connection.GetAsync()).GetSubscriber();
            await subscriber.PublishAsync(_channel, Encode(revocation));
        }
        catch (Exception ex)
        {
            Log.PublishFailed(_logger, ex);
        }

        if (local is not null)
        {
            throw local;
        }
    }

    public IDisposable Subscribe(Action<SignInRevocation> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Subscription(this, handler);
    }

    public void Dispose() => _queue?.Unsubscribe();

    private void Receive(RedisValue message)
    {
        var text = (string?)message;
        var parts = text?.Split('\n', 3);
        if (parts is not [var node, var kind, var value] || (kind != "s" && kind != "u"))
        {
            Log.Malformed(_logger);
            return;
        }

        if (node == _node)
        {
            return;
        }

        if (Deliver(kind == "s" ? new SignInRevocation(value, null) : new SignInRevocation(null, value)) is { } failure)
        {
            Log.PublishFailed(_logger, failure);
        }
    }

    private AggregateException? Deliver(SignInRevocation revocation)
    {
        List<Exception>? failures = null;
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                handler(revocation);
            }
            catch (Exception ex)
            {
                (failures ??= []).Add(ex);
            }
        }

        return failures is null ? null : new AggregateException("A subscriber of the revocation bus failed.", failures);
    }

    private string Encode(SignInRevocation revocation)
        => revocation.SignInId is { } signInId ? $"{_node}\ns\n{signInId}" : $"{_node}\nu\n{revocation.UserId}";

    private void Unsubscribe(Action<SignInRevocation> handler)
    {
        lock (_lock)
        {
            _handlers = Array.FindAll(_handlers, h => h != handler);
        }
    }

    private sealed class Subscription(RedisSignInRevocationBus bus, Action<SignInRevocation> handler) : IDisposable
    {
        public void Dispose() => bus.Unsubscribe(handler);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.Subscribed, LogLevel.Debug, "Subscribed to revocations on Redis channel {Channel}.")]
        public static partial void Subscribed(ILogger logger, string channel);

        [LoggerMessage(EventIds.SubscribeFailed, LogLevel.Warning,
            "Could not subscribe to revocations on Redis channel {Channel}; retrying when the connection is restored. Until then this node reacts to other nodes' revocations on each connection's next event.")]
        public static partial void SubscribeFailed(ILogger logger, string channel, Exception exception);

        [LoggerMessage(EventIds.PublishFailed, LogLevel.Warning,
            "A revocation was stored but could not be pushed to the other nodes; their connections react on their next event.")]
        public static partial void PublishFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventIds.MalformedRevocation, LogLevel.Warning, "A malformed message on the revocation channel was ignored.")]
        public static partial void Malformed(ILogger logger);
    }
}
