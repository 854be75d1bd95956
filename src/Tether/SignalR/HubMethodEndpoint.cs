using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tether.SignalR;

/// <summary>
/// The endpoint one hub method's calls carry, so the event pipeline's <c>HttpContext.GetEndpoint()</c> sees the call's
/// target: the hub's own endpoint (the one <c>MapHub</c> mapped, whose metadata already holds the hub class's attributes
/// and its <c>HubMetadata</c>), with the method's attributes added after the hub's. <c>GetMetadata&lt;T&gt;()</c> returns the
/// last item of a type, so a method's <c>[EnableRateLimiting]</c> wins over its hub's, as an action's wins over its
/// controller's in MVC; <c>[DisableRateLimiting]</c> on either turns the limit off, as the rate limiter reads it.
/// </summary>
/// <remarks>
/// A method with no attributes of its own carries its hub's endpoint itself. Concurrency: any thread. The method's attributes are read once; the endpoint built for the last hub endpoint seen is
/// one immutable pair, read and written with <see cref="Volatile"/>. A hub mapped at two paths rebuilds it when calls
/// alternate between them; two first calls may both build it, and either result is the same endpoint.
/// </remarks>
internal sealed class HubMethodEndpoint(MethodInfo? method)
{
    // The compiler's own attributes (nullable context, async state machine, debugger hints) say nothing about the target.
    private readonly object[] _metadata = method?.GetCustomAttributes(inherit: true)
        .Where(static a => a.GetType().Namespace is not ("System.Runtime.CompilerServices" or "System.Diagnostics"))
        .ToArray() ?? [];
    private Built? _last;

    /// <summary>The endpoint of a call of the method on a hub mapped at <paramref name="hub"/>.</summary>
    /// <param name="hub">The hub's endpoint, from the connection's HTTP request; <see langword="null"/> when it has none.</param>
    public Endpoint? For(Endpoint? hub)
    {
        if (hub is null || _metadata.Length == 0)
        {
            return hub;
        }

        var last = Volatile.Read(ref _last);
        if (last is not null && ReferenceEquals(last.Hub, hub))
        {
            return last.Method;
        }

        var built = Build(hub);
        Volatile.Write(ref _last, new Built(hub, built));
        return built;
    }

    private Endpoint Build(Endpoint hub)
    {
        var metadata = new EndpointMetadataCollection([.. hub.Metadata, .. _metadata]);
        var name = $"{hub.DisplayName} {method!.Name}";
        return hub is RouteEndpoint { RequestDelegate: { } run } route
            ? new RouteEndpoint(run, route.RoutePattern, route.Order, metadata, name)
            : new Endpoint(hub.RequestDelegate, metadata, name);
    }

    private sealed record Built(Endpoint Hub, Endpoint Method);
}
