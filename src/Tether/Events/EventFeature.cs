using Microsoft.AspNetCore.Http;

namespace Tether;

/// <summary>
/// Carries an event's handler through the event pipeline to its terminal, which is built once and shared by all events.
/// </summary>
internal sealed class EventFeature(Func<HttpContext, Task> handler, ConnectionState? connection)
{
    /// <summary>The connection the event belongs to, if any.</summary>
    public ConnectionState? Connection { get; } = connection;

    public Func<HttpContext, Task> Handler { get; } = handler;

    /// <summary>
    /// <see cref="EventTier.AuthOnly"/> skips the app's event middleware (the pipeline forks after authentication);
    /// <see cref="EventTier.None"/> never reaches the bridge.
    /// </summary>
    public EventTier Tier { get; init; }

    /// <summary>What is measured and traced of the event; <see langword="null"/> when nothing listens.</summary>
    public IEventObservation? Observation { get; init; }

    /// <summary>Set by an adapter whose own check, run in place of the handler, refused the event.</summary>
    public EventOutcome? Refusal { get; set; }

    /// <summary>Set by the terminal before it runs the handler; the outcome reports the handler ran only then.</summary>
    public bool TerminalReached { get; set; }
}
