namespace Tether.Tiers;

/// <summary>
/// Decides the <see cref="EventTier"/> of one target (a page, a hub method): its own attribute, else the app's resolver,
/// else the default; then the floor, so no event runs with less protection than its target needs.
/// </summary>
internal static class EventTiers
{
    /// <param name="options">The app's options.</param>
    /// <param name="target">What the resolver is told.</param>
    /// <param name="declared">The target's own <see cref="EventTierAttribute"/>, the most specific first.</param>
    /// <param name="needsAuthentication">
    /// The target requires authorization, or carries an upload: its events get at least <see cref="EventTier.AuthOnly"/>,
    /// as reflex-django gives upload events at least <c>auth_only</c>.
    /// </param>
    public static EventTier Resolve(TetherOptions options, EventTierContext target, EventTierAttribute? declared, bool needsAuthentication)
    {
        var tier = declared?.Tier ?? options.EventTierResolver?.Invoke(target) ?? options.DefaultEventTier;
        if (!Enum.IsDefined(tier))
        {
            // Fail closed: a value no version of Tether knows runs the whole bridge.
            tier = EventTier.Full;
        }

        return tier == EventTier.None && needsAuthentication ? EventTier.AuthOnly : tier;
    }
}
