using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// The <see cref="NearCache"/>'s invalidation link: one RESP3 socket that does nothing but track (<c>HELLO 3</c>, then
/// <c>CLIENT TRACKING ON BCAST PREFIX</c>, no redirect), reads Redis's pushes in order and applies each as it is read,
/// and answers fences: a <c>PING</c> sent after the fence was asked for, at most one in flight, whose answer follows every
/// invalidation Redis sent before it. It reconnects by itself, a second after each loss, and says so once per outage.
/// </summary>
internal sealed partial class NearCacheLink(NearCache cache, RedisConnection connection, string prefix, ILogger logger) : IDisposable
{
    /// <summary>How long an unanswered fence is trusted to come; after it, events read Redis until it answers.</summary>
    public static readonly TimeSpan FenceTimeout = TimeSpan.FromMilliseconds(500);

    private static readonly byte[] s_ping = RespReader.Command("PING");

    private readonly object _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Timer? _watch;
    private Task? _run;
    private Socket? _socket;
    private long _links;
    private long _link;
    private TaskCompletionSource<long>? _next;
    private TaskCompletionSource<long>? _waiting;
    private bool _pingOutstanding;
    private bool _pingQueued;
    private long _pingSentAt;

    private long _clientId;
    private string? _runId;

    /// <summary>The Redis client id of the current link, or 0 while it is down.</summary>
    public long ClientId => Interlocked.Read(ref _clientId);

    public void EnsureStarted()
    {
        if (_run is null)
        {
            lock (_lock)
            {
                if (_run is not null || _stopping.IsCancellationRequested)
                {
                    return;
                }

                // Read on the thread pool, not a thread of its own: a busy node answers its fences later, so more events share
                // each one (a thread woken per answer cost more CPU per event than it saved in latency; bench/README.md).
                _watch = new Timer(static state => ((NearCacheLink)state!).Watch(), this, Timeout.Infinite, Timeout.Infinite);
                connection.Restored += OnRestored;
                _run = Task.Run(() => RunAsync(_stopping.Token));
            }
        }
    }

    public void Dispose()
    {
        connection.Restored -= OnRestored;
        lock (_lock)
        {
            // Under the lock, as the timer is changed: no change comes after its disposal.
            _stopping.Cancel();
            _watch?.Dispose();
            _socket?.Dispose();
        }
    }

    // The shared connection came back, perhaps on another server (a name that moved, a load balancer): the link is
    // replaced unless that server is still the one it tracks.
    private async void OnRestored()
    {
        try
        {
            if (_runId is { } tracked && await SharedRunIdAsync() == tracked)
            {
                return;
            }
        }
        catch (Exception)
        {
            // Cannot tell: replaced, and checked again as it reconnects.
        }

        lock (_lock)
        {
            _socket?.Dispose();
        }
    }

    // The run id of the server the shared connection reaches: the link is used only on that same server, or an entry it
    // vouches for could be older than what an event would read through the shared connection.
    private async Task<string?> SharedRunIdAsync()
    {
        // INFO through a script: StackExchange.Redis lets INFO itself run only with allowAdmin, which the app need not set.
        var multiplexer = await connection.GetAsync();
        var info = await multiplexer.GetDatabase().ScriptEvaluateAsync("return redis.call('INFO', 'server')");
        return TrackingHandshake.RunId(info.ToString());
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        if (TrackingHandshake.Unsupported(connection.Options) is { } reason)
        {
            cache.Enabled = false;
            Log.Unsupported(logger, reason);
            return;
        }

        var endPoint = connection.Options.EndPoints[0];
        var wasUp = true;
        while (!stopping.IsCancellationRequested)
        {
            var socket = endPoint is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                connect.CancelAfter(connection.Options.ConnectTimeout);
                await socket.ConnectAsync(endPoint, connect.Token);
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                var reader = new RespReader(stream);
                var (id, runId) = await TrackingHandshake.RunAsync(stream, reader, connection.Options, prefix, connect.Token);
                if (await SharedRunIdAsync() != runId)
                {
                    throw new InvalidDataException("the link reached another Redis server than the shared connection did");
                }

                lock (_lock)
                {
                    if (stopping.IsCancellationRequested)
                    {
                        return;
                    }

                    _socket = socket;
                    _link = ++_links;
                    _runId = runId;
                    Interlocked.Exchange(ref _clientId, id);
                    cache.Up(_link);
                    _watch!.Change(FenceTimeout, FenceTimeout);
                }

                Log.Up(logger, prefix, id);
                wasUp = true;
                while (true)
                {
                    switch (await reader.ReadAsync(stopping))
                    {
                        case RespPush { Items: [string kind, var keys] } when kind.Equals("invalidate", StringComparison.OrdinalIgnoreCase):
                            cache.Invalidate(keys as object?[]);
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
            catch (TrackingRefusedException ex)
            {
                cache.Enabled = false;
                Down();
                Log.Unsupported(logger, ex.Message);
                return;
            }
            catch (Exception ex)
            {
                Down();
                if (wasUp && !stopping.IsCancellationRequested)
                {
                    Log.Down(logger, ex.Message);
                }

                wasUp = false;
            }
            finally
            {
                socket.Dispose();
            }

            await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Down()
    {
        TaskCompletionSource<long>? waiting, next;
        lock (_lock)
        {
            _link = 0;
            Interlocked.Exchange(ref _clientId, 0);
            _socket = null;
            _pingOutstanding = false;
            cache.Down();
            (waiting, next, _waiting, _next) = (_waiting, _next, null, null);
            if (!_stopping.IsCancellationRequested)
            {
                _watch?.Change(Timeout.Infinite, Timeout.Infinite);
            }
        }

        waiting?.TrySetResult(0);
        next?.TrySetResult(0);
    }
}
