using System.Net.Sockets;

namespace Tether.Redis;

/// <summary>
/// The fence: a <c>PING</c> on the link, sent after the events waiting for it began, whose answer follows every
/// invalidation Redis sent before it. At most one is in flight; the events that ask while it is, wait for the next.
/// </summary>
internal sealed partial class NearCacheLink
{
    /// <summary>
    /// The link under which held entries are current once every invalidation sent before this call has been applied; 0
    /// when the cache cannot vouch for them now (the link is down or a fence is overdue).
    /// </summary>
    public Task<long> FenceAsync()
    {
        lock (_lock)
        {
            if (_link == 0 || (_pingOutstanding && Environment.TickCount64 - _pingSentAt > (long)FenceTimeout.TotalMilliseconds))
            {
                return Task.FromResult(0L);
            }

            var next = _next ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_pingOutstanding && !_pingQueued)
            {
                // Sent from the thread pool, not here: the events that arrive before it runs share it, and a busy node,
                // whose queue is longer, shares each fence among more of them (bench/README.md).
                _pingQueued = true;
                ThreadPool.UnsafeQueueUserWorkItem(static link => link.SendQueuedPing(), this, preferLocal: false);
            }

            return next.Task;
        }
    }

    private void SendQueuedPing()
    {
        lock (_lock)
        {
            _pingQueued = false;
            if (_next is not null && !_pingOutstanding && _link != 0)
            {
                SendPingLocked();
            }
        }
    }

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
            // The reader sees the loss too and takes the link down; until then each fence tries again, or reads Redis.
            _waiting?.TrySetResult(0);
            _waiting = null;
            _pingOutstanding = false;
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
}
