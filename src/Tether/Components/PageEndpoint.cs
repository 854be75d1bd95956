using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Tether.Authentication;
using Tether.Tiers;

namespace Tether.Components;

/// <summary>
/// The routable page of a circuit's current location, as the app's Razor component endpoint describes it: its type, its
/// route, the authorization its endpoint carries (the page's <c>[Authorize]</c>, <c>[AllowAnonymous]</c>, and what
/// <c>MapRazorComponents(...).RequireAuthorization()</c> added) and the tier of its events.
/// </summary>
/// <remarks>Concurrency: immutable, shared by every circuit.</remarks>
internal sealed class PageEndpoint
{
    public PageEndpoint(Type pageType, Endpoint endpoint, string? route, bool hasFallbackPolicy, TetherOptions options)
    {
        var metadata = endpoint.Metadata;
        PageType = pageType;
        Endpoint = endpoint;
        Route = route;
        AllowAnonymous = metadata.GetMetadata<IAllowAnonymous>() is not null;
        AuthorizeData = metadata.GetOrderedMetadata<IAuthorizeData>();
        Policies = metadata.GetOrderedMetadata<AuthorizationPolicy>();
        RequirementData = metadata.GetOrderedMetadata<IAuthorizationRequirementData>();

        // As AuthorizationMiddleware decides: [AllowAnonymous] wins; otherwise the page's data, or the fallback policy.
        RequiresAuthorization = !AllowAnonymous
            && (EventAuthorizationPolicy.IsRequested(AuthorizeData, Policies, RequirementData) || hasFallbackPolicy);
        Tier = EventTiers.Resolve(
            options,
            new EventTierContext("Blazor", pageType, null, route),
            metadata.GetMetadata<EventTierAttribute>(),
            RequiresAuthorization);
    }

    public Type PageType { get; }

    /// <summary>
    /// The page's own endpoint (the one <c>MapRazorComponents</c> maps for its <c>@page</c>): what its events'
    /// <c>HttpContext.GetEndpoint()</c> returns, with the page's attributes (<c>[EnableRateLimiting]</c>, ...) as metadata.
    /// </summary>
    public Endpoint Endpoint { get; }

    public string? Route { get; }

    public bool AllowAnonymous { get; }

    public IReadOnlyList<IAuthorizeData> AuthorizeData { get; }

    public IReadOnlyList<AuthorizationPolicy> Policies { get; }

    public IReadOnlyList<IAuthorizationRequirementData> RequirementData { get; }

    /// <summary>Whether the page's events are authorized against their user before their handler runs.</summary>
    public bool RequiresAuthorization { get; }

    public EventTier Tier { get; }
}
