namespace Tether.Events;

/// <summary>
/// What the core tells whoever measures and traces its events (Diagnostics/: the <c>Tether</c> meter and activity
/// source). The core knows no instrument: it asks once per event whether anything listens, and reports to the
/// observation it got back.
/// </summary>
internal interface IEventObserver
{
    /// <summary>Whether an event must be observed at all; when not, the event pays one check and nothing more.</summary>
    bool Observing { get; }

    /// <summary>Starts observing one event, inside the bridge's own async method (its span must not flow back out).</summary>
    IEventObservation Start(EventOrigin origin, string? path, EventTier tier);
}

/// <summary>One event's observation, told the event's phases in order. Used by one event at a time.</summary>
internal interface IEventObservation
{
    void HandlerStarting();

    void Committing();

    /// <summary>The session was loaded; <paramref name="started"/> is a <see cref="System.Diagnostics.Stopwatch"/> timestamp.</summary>
    void SessionLoaded(long started);

    void SessionCommitted(long started, Exception? error);

    /// <summary>A store operation failed: <c>session.load</c> or <c>session.commit</c>.</summary>
    void StoreFailed(string operation, Exception error);

    /// <summary>The event ended with <paramref name="outcome"/>.</summary>
    void Stop(EventOutcome outcome);

    /// <summary>The event ended with an exception.</summary>
    void Stop(Exception error);
}
