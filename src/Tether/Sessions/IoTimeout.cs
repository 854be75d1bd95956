namespace Tether.Sessions;

/// <summary>
/// A session load's or commit's I/O timeout, linked to the caller's token, as <c>DistributedSession</c> makes one for each
/// (a linked <see cref="CancellationTokenSource"/> with <c>CancelAfter</c>). The source is reused by the thread's next
/// load or commit when it neither fired nor was cancelled, so an event does not allocate two sources, their timers and
/// their registrations (about 0.4 KB of every event).
/// </summary>
/// <remarks>
/// Reuse is what <see cref="CancellationTokenSource.TryReset"/> is for: it stops the timer and drops the registrations, and
/// refuses a source that was cancelled, which is then disposed and never handed out again. A store that kept the token
/// past the awaited call could see a later operation's timeout; a store that outlives its own call has no use for its
/// token. Concurrency: one spare per thread.
/// </remarks>
internal readonly struct IoTimeout : IDisposable
{
    [ThreadStatic]
    private static CancellationTokenSource? s_spare;

    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenRegistration _link;

    private IoTimeout(CancellationTokenSource source, CancellationTokenRegistration link)
    {
        _source = source;
        _link = link;
    }

    public CancellationToken Token => _source.Token;

    /// <summary>Starts a timeout of <paramref name="timeout"/> that also fires when <paramref name="cancellationToken"/> does.</summary>
    public static IoTimeout Start(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var source = s_spare ?? new CancellationTokenSource();
        s_spare = null;
        source.CancelAfter(timeout);
        var link = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), source)
            : default;
        return new IoTimeout(source, link);
    }

    /// <summary>Whether the timeout fired, and not the caller's token.</summary>
    public bool TimedOut(CancellationToken cancellationToken) => !cancellationToken.IsCancellationRequested && _source.IsCancellationRequested;

    public void Dispose()
    {
        // Waits for a cancellation of the caller's that is running the link, so the source is reset only once it is done.
        _link.Dispose();
        if (_source.TryReset())
        {
            s_spare = _source;
        }
        else
        {
            _source.Dispose();
        }
    }
}
