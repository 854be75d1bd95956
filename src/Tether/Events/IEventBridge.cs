using Microsoft.AspNetCore.Http;

namespace Tether;

/// <summary>
/// Runs one socket event through the app's event pipeline (session, authentication, the app's event middleware) on a
/// synthetic <see cref="HttpContext"/>, and its handler with that context bound to the ambient accessors
/// (<see cref="Current"/>, <see cref="Ambient.Request"/>).
/// </summary>
/// <remarks>
/// Tether's Blazor and SignalR adapters call it for every event; call it yourself to bridge another transport.
/// </remarks>
internal interface IEventBridge
{
    /// <summary>
    /// Runs <paramref name="handler"/> as one event of <paramref name="connection"/>.
    /// </summary>
    /// <param name="request">What the event knows about its browser.</param>
    /// <param name="connection">The connection's state (its cookie jar); <see langword="null"/> for a one-off event.</param>
    /// <param name="handler">
    /// The event's work. It runs only if no middleware ends the event first, and never at a location Tether rejected
    /// (the outcome is then a 400 and the pipeline does not run).
    /// </param>
    /// <param name="requestServices">
    /// The service provider of the event, owned by the caller (for example SignalR's per-invocation scope).
    /// When <see langword="null"/>, the bridge creates and disposes a scope of its own.
    /// </param>
    /// <param name="cancellationToken">Becomes the synthetic request's <see cref="HttpContext.RequestAborted"/>.</param>
    /// <returns>Whether the handler ran, or how the pipeline ended the event.</returns>
    /// <exception cref="Exception">Whatever the handler or a middleware threw, after the session was committed and the context cleared.</exception>
    Task<EventOutcome> RunAsync(
        EventRequest request,
        ConnectionState? connection,
        Func<HttpContext, Task> handler,
        IServiceProvider? requestServices = null,
        CancellationToken cancellationToken = default);
}
