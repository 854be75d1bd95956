using Microsoft.AspNetCore.Http;

namespace Tether.Events;

/// <summary>
/// The async-local slot that holds the synthetic <see cref="HttpContext"/> of the event running on this async flow.
/// </summary>
/// <remarks>
/// The context is kept in a box so that ending the event can empty it for every flow that captured it: a handler that
/// started a fire-and-forget task sees no context once its event is over, instead of a disposed one.
/// </remarks>
internal static class AmbientContext
{
    private static readonly AsyncLocal<Box?> s_current = new();

    public static HttpContext? HttpContext => s_current.Value?.Context;

    /// <summary>
    /// Empties the slot for this flow, for an event that runs without the bridge (<see cref="EventTier.None"/>): it must
    /// not see the context of an event its flow descends from. Reads before it writes, so it costs nothing when empty.
    /// </summary>
    public static void Suppress()
    {
        if (s_current.Value is not null)
        {
            s_current.Value = null;
        }
    }

    public static Box Bind(HttpContext context)
    {
        var box = new Box { Context = context };
        s_current.Value = box;
        return box;
    }

    internal sealed class Box
    {
        public HttpContext? Context;

        public void Clear()
        {
            Context = null;
            if (ReferenceEquals(s_current.Value, this))
            {
                s_current.Value = null;
            }
        }
    }
}
