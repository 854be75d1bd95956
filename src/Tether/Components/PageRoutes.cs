using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Tether.Tiers;

namespace Tether.Components;

/// <summary>
/// Finds the routable page of a circuit's current location among the app's Razor component endpoints (one
/// <see cref="RouteEndpoint"/> per <c>@page</c>, with <see cref="ComponentTypeMetadata"/>, which
/// <c>MapRazorComponents</c> registers).
/// </summary>
/// <remarks>
/// Why the page and not the component an event targets: a circuit handler's inbound activity sees neither the event's
/// handler id (<c>DispatchBrowserEvent</c> and <c>BeginInvokeDotNetFromJS</c> carry it in their arguments, which the hub
/// filter sees only as JSON) nor the renderer's map from handler id to component, which is private to
/// <c>RemoteRenderer</c>. The page of the location is what Blazor's own router renders there, and what
/// <c>AuthorizeRouteView</c> authorizes. Only component routes are matched, with the routing system's own template
/// matcher, constraints and precedence, never the app's other endpoints (a short-circuit endpoint or a dynamic route
/// would run app code on a path a client reported).
/// Concurrency: one per app, used by every circuit at once. <see cref="Initialize"/> runs once, before any circuit; the
/// route table is one immutable snapshot, rebuilt when the endpoints change and published with <see cref="Volatile"/>.
/// </remarks>
internal sealed class PageRoutes(EndpointDataSource? endpoints, ParameterPolicyFactory? policies, IOptions<TetherOptions> options)
{
    private readonly TetherOptions _options = options.Value;
    private Snapshot? _snapshot;
    private bool _hasFallbackPolicy;

    /// <summary>The tier of events at a location that is no page of the app (a not-found page, or before the first render).</summary>
    public EventTier NoPageTier { get; private set; } = EventTier.Full;

    /// <summary>Called once by <c>UseTether</c>, off any circuit's dispatcher.</summary>
    public void Initialize(IAuthorizationPolicyProvider? policyProvider)
    {
        // The framework's provider answers from options without I/O; UseTether already reads the scheme provider the same way.
        _hasFallbackPolicy = policyProvider?.GetFallbackPolicyAsync().GetAwaiter().GetResult() is not null;
        NoPageTier = EventTiers.Resolve(_options, new EventTierContext("Blazor", null, null, null), null, _hasFallbackPolicy);
    }

    /// <summary>The page at <paramref name="path"/> (relative to the path base), or <see langword="null"/>.</summary>
    public PageEndpoint? Match(PathString path)
    {
        var routes = Current();
        foreach (var route in routes)
        {
            var values = new RouteValueDictionary();
            if (route.Matcher.TryMatch(path, values) && route.ConstraintsMatch(values))
            {
                return route.Page;
            }
        }

        return null;
    }

    private PageRoute[] Current()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null && !snapshot.Token.HasChanged)
        {
            return snapshot.Routes;
        }

        if (endpoints is null)
        {
            return [];
        }

        // The token first: a change while the routes are read is then seen by the next call.
        var token = endpoints.GetChangeToken();
        snapshot = new Snapshot(token, Build(endpoints.Endpoints));
        Volatile.Write(ref _snapshot, snapshot);
        return snapshot.Routes;
    }

    private PageRoute[] Build(IReadOnlyList<Endpoint> all)
    {
        var routes = new List<PageRoute>();
        foreach (var endpoint in all)
        {
            if (endpoint is not RouteEndpoint { RoutePattern: var pattern } route
                || route.Metadata.GetMetadata<ComponentTypeMetadata>() is not { } component)
            {
                continue;
            }

            var template = new RouteTemplate(pattern);
            var constraints = new List<KeyValuePair<string, IRouteConstraint>>();
            foreach (var (name, references) in pattern.ParameterPolicies)
            {
                var parameter = pattern.GetParameter(name);
                foreach (var reference in references)
                {
                    if (policies?.Create(parameter, reference) is IRouteConstraint constraint)
                    {
                        constraints.Add(new(name, constraint));
                    }
                }
            }

            routes.Add(new PageRoute(
                route.Order,
                RoutePrecedence.ComputeInbound(template),
                new TemplateMatcher(template, new RouteValueDictionary(pattern.Defaults)),
                [.. constraints],
                new PageEndpoint(component.Type, route, pattern.RawText, _hasFallbackPolicy, _options)));
        }

        // The routing system's order for inbound matching: literal segments before constrained parameters before
        // parameters before catch-alls (Blazor's router orders its route table the same way).
        routes.Sort(static (a, b) => a.Order != b.Order ? a.Order.CompareTo(b.Order) : a.Precedence.CompareTo(b.Precedence));
        return [.. routes];
    }

    private sealed record Snapshot(IChangeToken Token, PageRoute[] Routes);

    private sealed record PageRoute(int Order, decimal Precedence, TemplateMatcher Matcher, KeyValuePair<string, IRouteConstraint>[] Constraints, PageEndpoint Page)
    {
        public bool ConstraintsMatch(RouteValueDictionary values)
        {
            foreach (var (name, constraint) in Constraints)
            {
                if (!constraint.Match(null, null, name, values, RouteDirection.IncomingRequest))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
