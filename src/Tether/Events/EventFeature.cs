using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tether.Events;

/// <summary>
/// Carries an event's handler through the event pipeline to its terminal, which is built once and shared by all events.
/// It is also the event's <see cref="IEndpointFeature"/>: the endpoint of the event's target rides on the feature the event
/// allocates anyway, so carrying it costs no allocation of its own, one reference in this feature (bench/README.md).
/// </summary>
internal sealed class EventFeature(Delegate handler, ConnectionState? connection) : IEndpointFeature
{
    /// <summary>The connection the event belongs to, if any.</summary>
    public ConnectionState? Connection { get; } = connection;

    /// <summary>
    /// The event's handler: a <see cref="Func{HttpContext, Task}"/> that runs the event, or a
    /// <c>Func&lt;HttpContext, Task&lt;EventOutcome?&gt;&gt;</c> that returns its verdict (an adapter's check that may refuse it
    /// in place of running it). One reference, so an event's feature costs no more than with one kind of handler.
    /// </summary>
    public Delegate Handler { get; } = handler;

    /// <summary>
    /// <see cref="EventTier.AuthOnly"/> skips the app's event middleware (the pipeline forks after authentication);
    /// <see cref="EventTier.None"/> never reaches the bridge.
    /// </summary>
    public EventTier Tier { get; init; }

    /// <summary>What is measured and traced of the event; <see langword="null"/> when nothing listens.</summary>
    public IEventObservation? Observation { get; init; }

    /// <summary>The verdict the handler returned: set by the terminal, when an adapter's own check refused the event.</summary>
    public EventOutcome? Refusal { get; set; }

    /// <summary>
    /// The endpoint of the event's target, given by its adapter (a circuit page's, a hub's); what
    /// <c>HttpContext.GetEndpoint()</c> returns. Middleware may set it, as over HTTP.
    /// </summary>
    public Endpoint? Endpoint { get; set; }

    /// <summary>A sign-in or sign-out of the event's own scheme ran inside the event.</summary>
    public bool SignInChanged { get; set; }

    /// <summary>The properties of the ticket the event's latest sign-in issued; <see langword="null"/> after a sign-out.</summary>
    public AuthenticationProperties? SignedIn { get; set; }

    /// <summary>Set by the terminal before it runs the handler; the outcome reports the handler ran only then.</summary>
    public bool TerminalReached { get; set; }
}
