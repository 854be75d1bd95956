using Tether.Events;
namespace Tether.Tiers;

/// <summary>
/// Runs an event whose tier is <see cref="EventTier.None"/>: no bridge, so no context, no store read, and nothing an
/// earlier event's flow left in the ambient slot is visible to its handler. The one place every adapter (a circuit
/// event, a hub call, a hub connect or disconnect) takes that path.
/// </summary>
/// <remarks>
/// Stateless: it only empties the ambient slot of the calling flow, which no other flow sees, so any thread may call it.
/// The adapter decides the tier first (the target's tier, raised by what it must authorize); this is the branch for
/// <see cref="EventTier.None"/> only, and never reaches <c>EventBridge</c>.
/// </remarks>
internal static class UnbridgedEvent
{
    /// <summary>
    /// Empties the ambient slot, then hands <paramref name="context"/> to <paramref name="handler"/> and returns what it
    /// returns (a <see cref="Task"/> for a circuit event or a hub connect, a <see cref="ValueTask{TResult}"/> for a hub call).
    /// </summary>
    /// <typeparam name="TContext">The adapter's context of the event.</typeparam>
    /// <typeparam name="TResult">The handler's result.</typeparam>
    /// <param name="handler">The rest of the framework's own pipeline for the event (its <c>next</c>).</param>
    /// <param name="context">The adapter's context of the event.</param>
    /// <returns>What <paramref name="handler"/> returned.</returns>
    public static TResult Run<TContext, TResult>(Func<TContext, TResult> handler, TContext context)
    {
        AmbientContext.Suppress();
        return handler(context);
    }
}
