using System.Collections.Concurrent;
using System.Reflection;

namespace Tether.SignalR;

/// <summary>
/// Builds each <see cref="HubMethodDescriptor"/> on the first call of its method and keeps it for the app's lifetime. A
/// method's descriptor depends on the app's options (its tier), so the cache belongs to the app's filter, not to the type.
/// </summary>
/// <remarks>
/// One instance per filter, called from every connection's thread: the cache is a <see cref="ConcurrentDictionary{TKey, TValue}"/>,
/// and two first calls racing may each build a descriptor (and ask the app's resolver twice); one of them is kept. Both
/// are the same: a resolver depends on its target only (<see cref="EventTierContext"/>).
/// </remarks>
internal sealed class HubMethodDescriptors(TetherOptions options)
{
    private readonly ConcurrentDictionary<(Type Hub, MethodInfo? Method), HubMethodDescriptor> _descriptors = new();

    /// <summary>The descriptor of <paramref name="method"/> as a method of <paramref name="hub"/>.</summary>
    public HubMethodDescriptor Of(Type hub, MethodInfo method)
        => _descriptors.GetOrAdd((hub, method), static (key, options) => HubMethodDescriptor.ForMethod(key.Hub, key.Method!, options), options);

    /// <summary>The descriptor of the connects and disconnects of <paramref name="hub"/>.</summary>
    public HubMethodDescriptor OfLifetime(Type hub)
        => _descriptors.GetOrAdd((hub, null), static (key, options) => HubMethodDescriptor.ForLifetime(key.Hub, options), options);
}
