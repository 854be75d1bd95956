namespace Tether;

/// <summary>
/// Sets the <see cref="EventTier"/> of the events of a Blazor page (a routable component: the events of a circuit whose
/// current location is that page), of a SignalR hub, or of one hub method. A method's attribute wins over its hub's, and
/// either wins over <see cref="TetherOptions.EventTierResolver"/> and <see cref="TetherOptions.DefaultEventTier"/>.
/// </summary>
/// <remarks>
/// On a component that is not a page the attribute has no effect: Blazor does not tell a circuit handler which
/// component an event targets, so Tether keys Blazor events by the page of the circuit's current location.
/// </remarks>
/// <param name="tier">The tier of the events.</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class EventTierAttribute(EventTier tier) : Attribute
{
    /// <summary>The tier of the events.</summary>
    public EventTier Tier { get; } = tier;
}
