using System.Reflection;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authorization;
using Tether.Tiers;

namespace Tether.SignalR;

/// <summary>
/// What Tether needs to know about one hub method, or (with no method) about a hub's connects and disconnects: read by
/// reflection once, as SignalR's own <c>HubMethodDescriptor</c> holds what its dispatcher needs of a method.
/// </summary>
/// <remarks>
/// Immutable once built: one instance serves every call of its method, on any thread. <see cref="HubMethodDescriptors"/>
/// builds and keeps them.
/// </remarks>
internal sealed class HubMethodDescriptor
{
    private HubMethodDescriptor(Type hub, MethodInfo? method, EventTier tier, IAuthorizeData[] authorizeData, IAuthorizationRequirementData[] requirementData, bool isLocationReport)
    {
        Hub = hub;
        Method = method;
        Tier = tier;
        AuthorizeData = authorizeData;
        RequirementData = requirementData;
        IsLocationReport = isLocationReport;
        Endpoint = new HubMethodEndpoint(method);
    }

    /// <summary>The hub type (the concrete one, not the method's declaring type).</summary>
    public Type Hub { get; }

    /// <summary>The method; <see langword="null"/> for the hub's connects and disconnects.</summary>
    public MethodInfo? Method { get; }

    /// <summary>
    /// The tier the method (else its hub) declares, else the app's resolver or default, raised to at least
    /// <see cref="EventTier.AuthOnly"/> for a method with <see cref="AuthorizeData"/> or an upload. What the hub's endpoint
    /// requires is added per call by <see cref="HubEndpointPolicy"/>.
    /// </summary>
    public EventTier Tier { get; }

    /// <summary>The <c>[Authorize]</c> data each call is checked against, with the user of that call; empty when none.</summary>
    public IAuthorizeData[] AuthorizeData { get; }

    /// <summary>The attributes that carry their own requirements (<see cref="IAuthorizationRequirementData"/>), checked likewise.</summary>
    public IAuthorizationRequirementData[] RequirementData { get; }

    /// <summary>Whether each call is authorized against the method's and its hub's metadata.</summary>
    public bool RequiresAuthorization => AuthorizeData.Length > 0 || RequirementData.Length > 0;

    /// <summary>The endpoint the method's calls carry: its hub's, with the method's attributes (its connects': the hub's).</summary>
    public HubMethodEndpoint Endpoint { get; }

    /// <summary>
    /// <see cref="AppHub.SetLocation"/>: the client reporting the page's location. Not an event: it is never bridged, and
    /// has no tier (the app's resolver is not asked about it).
    /// </summary>
    public bool IsLocationReport { get; }

    /// <summary>Reads the facts of <paramref name="method"/> of <paramref name="hub"/>.</summary>
    public static HubMethodDescriptor ForMethod(Type hub, MethodInfo method, TetherOptions options)
    {
        if (IsLocationReportMethod(method))
        {
            return new HubMethodDescriptor(hub, method, EventTier.None, [], [], isLocationReport: true);
        }

        var authorizeData = MetadataOf<IAuthorizeData>(hub, method);
        var requirementData = MetadataOf<IAuthorizationRequirementData>(hub, method);
        var tier = EventTiers.Resolve(
            options,
            new EventTierContext(TetherHubFilter.Transport, hub, method, null),
            method.GetCustomAttribute<EventTierAttribute>(inherit: true) ?? hub.GetCustomAttribute<EventTierAttribute>(inherit: true),
            authorizeData.Length > 0 || requirementData.Length > 0 || IsUpload(method));
        return new HubMethodDescriptor(hub, method, tier, authorizeData, requirementData, isLocationReport: false);
    }

    /// <summary>Reads the facts of the connects and disconnects of <paramref name="hub"/>: they take the hub's own tier.</summary>
    public static HubMethodDescriptor ForLifetime(Type hub, TetherOptions options)
    {
        var tier = EventTiers.Resolve(
            options,
            new EventTierContext(TetherHubFilter.Transport, hub, null, null),
            hub.GetCustomAttribute<EventTierAttribute>(inherit: true),
            hub.GetCustomAttributes(inherit: true).Any(static a => a is IAuthorizeData or IAuthorizationRequirementData));
        return new HubMethodDescriptor(hub, null, tier, [], [], isLocationReport: false);
    }

    private static T[] MetadataOf<T>(Type hub, MethodInfo method)
    {
        if (method.IsDefined(typeof(AllowAnonymousAttribute), inherit: true))
        {
            return [];
        }

        // Method data only: SignalR checks hub-level [Authorize] at the handshake, and the per-call user is checked
        // against the method's own requirements here. Hub-level data is combined in too so a revoked user loses
        // access to every method of an [Authorize] hub.
        return [.. method.GetCustomAttributes(inherit: true).OfType<T>(), .. hub.GetCustomAttributes(inherit: true).OfType<T>()];
    }

    // An upload (a stream from the client) runs at least auth-only, as reflex-django's upload events do.
    private static bool IsUpload(MethodInfo method) => method.GetParameters().Any(static p => p.ParameterType.IsGenericType
        && p.ParameterType.GetGenericTypeDefinition() is var definition
        && (definition == typeof(ChannelReader<>) || definition == typeof(IAsyncEnumerable<>)));

    // HubInvocationContext.HubMethodName is the C# name, not the [HubMethodName] alias clients call: match the method.
    private static bool IsLocationReportMethod(MethodInfo method)
        => method.Name == nameof(AppHub.SetLocation) && method.DeclaringType is { } type
            && (type == typeof(AppHub) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(AppHub<>)));
}
