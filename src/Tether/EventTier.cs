namespace Tether;

/// <summary>
/// How much of Tether's event bridge one socket event pays for.
/// </summary>
public enum EventTier
{
    /// <summary>
    /// The whole event pipeline: the app's session and authentication middleware, then the app's event middleware
    /// (what <c>UseTether(events =&gt; ...)</c> adds). The default.
    /// </summary>
    Full = 0,

    /// <summary>
    /// Session and authentication only; the app's event middleware does not run. Pages' and hub methods'
    /// <c>[Authorize]</c> are still checked against the event's user.
    /// </summary>
    AuthOnly = 1,

    /// <summary>
    /// No bridge: the handler runs as in a plain circuit or hub, with no context bound (<see cref="Current.Request"/> is
    /// <see langword="null"/>, <see cref="Ambient.Request"/> throws) and no store read. For hot, UI-only events.
    /// Events that need authorization or carry an upload are raised to <see cref="AuthOnly"/>.
    /// </summary>
    None = 2,
}
