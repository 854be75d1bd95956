using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// Decides when this node compares its Data Protection key ring with the one in Redis (<see cref="RedisKeyRing.CheckAsync"/>),
/// so that the nodes end up on one ring, without an operator, after Redis lost it: when the connection comes back, when
/// another node appended to the ring (it says so on the channel <c>{prefix}:tether:keyring</c>), and once a minute in
/// case such a message was missed. A check writes back what Redis lacks; when Redis holds keys this node lacks, the
/// node's cached key ring is expired (<see cref="RefreshableKeyManager.Expire"/>) and re-read.
/// </summary>
/// <remarks>
/// Started before Data Protection's own hosted service loads the ring (it is registered first), so this node hears the
/// answer to the key it may create at start. A check that fails (Redis is down) is logged; the next trigger runs it
/// again. Thread-safe.
/// </remarks>
internal sealed partial class KeyRingWatch : IHostedService, IDisposable
{
    private static readonly TimeSpan s_period = TimeSpan.FromMinutes(1);

    private readonly RedisKeyRing _ring;
    private readonly RedisConnection _connection;
    private readonly ILogger<KeyRingWatch> _logger;
    private readonly RedisChannel _channel = RedisChannel.Literal("tether:keyring");
    private readonly string _node = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stopping = new();
    // 0: not subscribed; 1: subscribing; 2: subscribed. Only the call that moves it from 0 subscribes.
    private int _subscription;
    private Task _periodic = Task.CompletedTask;

    public KeyRingWatch(RedisKeyRing ring, RefreshableKeyManager keys, RedisConnection connection, ILogger<KeyRingWatch> logger)
    {
        _ring = ring;
        _connection = connection;
        _logger = logger;
        ring.Written += () => _ = PublishAsync();
        ring.Learned += keys.Expire;
        connection.Restored += () => _ = RestoredAsync();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await EnsureSubscribedAsync();
        _periodic = RunPeriodicallyAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _periodic;
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RestoredAsync()
    {
        await EnsureSubscribedAsync();
        await CheckAsync();
    }

    private async Task EnsureSubscribedAsync()
    {
        if (Interlocked.CompareExchange(ref _subscription, 1, 0) != 0)
        {
            return;
        }

        try
        {
            var queue = await Subscriptions.SubscribeAsync((await _connection.GetSubscribedAsync()).GetSubscriber(), _channel);
            queue.OnMessage(message =>
            {
                // A node's own message is ignored; another node's ring changed: compare.
                return message.Message == _node ? Task.CompletedTask : CheckAsync();
            });
            Volatile.Write(ref _subscription, 2);
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _subscription, 0);
            Log.WatchFailed(_logger, ex);
        }
    }

    private async Task RunPeriodicallyAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(s_period);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await CheckAsync();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task CheckAsync()
    {
        try
        {
            await _ring.CheckAsync();
        }
        catch (Exception ex)
        {
            Log.WatchFailed(_logger, ex);
        }
    }

    private async Task PublishAsync()
    {
        try
        {
            await (await _connection.GetAsync()).GetSubscriber().PublishAsync(_channel, _node);
        }
        catch (Exception ex)
        {
            Log.WatchFailed(_logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.KeyRingWatchFailed, LogLevel.Warning,
            "Could not compare this node's Data Protection key ring with the one in Redis, or tell the other nodes; retried when the connection is restored, when another node changes the ring, and every minute.")]
        public static partial void WatchFailed(ILogger logger, Exception exception);
    }
}
