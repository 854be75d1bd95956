using Microsoft.AspNetCore.Http;

namespace Tether.Events;

/// <summary>
/// Carries an event's handler through the event pipeline to its terminal, which is built once and shared by all events.
/// </summary>
internal sealed class EventFeature(BridgedHandler handler, ConnectionState? connection)
{
    /// <summary>The connection the event belongs to, if any.</summary>
    public ConnectionState? Connection { get; } = connection;

    public BridgedHandler Handler { get; } = handler;

    /// <summary>
    /// <see cref="EventTier.AuthOnly"/> skips the app's event middleware (the pipeline forks after authentication);
    /// <see cref="EventTier.None"/> never reaches the bridge.
    /// </summary>
    public EventTier Tier { get; init; }

    /// <summary>What is measured and traced of the event; <see langword="null"/> when nothing listens.</summary>
    public IEventObservation? Observation { get; init; }

    /// <summary>The verdict the handler returned: set by the terminal, when an adapter's own check refused the event.</summary>
    public EventOutcome? Refusal { get; set; }

    /// <summary>Set by the terminal before it runs the handler; the outcome reports the handler ran only then.</summary>
    public bool TerminalReached { get; set; }
}

/// <summary>
/// An event's handler: one that runs the event, or one that returns its verdict (an adapter's check that may refuse it
/// in place of running it). One of the two is set.
/// </summary>
internal readonly record struct BridgedHandler(Func<HttpContext, Task>? Run, Func<HttpContext, Task<EventOutcome?>>? Decide);
