using System.Reflection;

namespace Tether;

/// <summary>
/// What <see cref="TetherOptions.EventTierResolver"/> is told about an event's target. Resolved once per target (a page,
/// a hub method) and cached, so the resolver must depend on nothing else.
/// </summary>
public sealed class EventTierContext
{
    internal EventTierContext(string transport, Type? target, MethodInfo? method, string? route)
    {
        Transport = transport;
        Target = target;
        Method = method;
        Route = route;
    }

    /// <summary><c>Blazor</c> or <c>SignalR</c>.</summary>
    public string Transport { get; }

    /// <summary>
    /// The page component of the circuit's current location (<see langword="null"/> when the location is no page of the
    /// app), or the hub type.
    /// </summary>
    public Type? Target { get; }

    /// <summary>The hub method, for a hub call; <see langword="null"/> for Blazor events and hub connects and disconnects.</summary>
    public MethodInfo? Method { get; }

    /// <summary>The route template of the page, for a Blazor event (<c>/orders/{id:int}</c>); otherwise <see langword="null"/>.</summary>
    public string? Route { get; }
}
