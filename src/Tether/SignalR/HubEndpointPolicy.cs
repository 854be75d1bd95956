using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace Tether.SignalR;

/// <summary>
/// The tier a hub call or connect actually runs at: its <see cref="HubMethodDescriptor.Tier"/>, raised to
/// <see cref="EventTier.AuthOnly"/> when the hub's endpoint requires authorization where its class says nothing
/// (<c>MapHub&lt;T&gt;(...).RequireAuthorization()</c>, or the app's fallback policy), so a revoked user is never let
/// through unchecked.
/// </summary>
/// <remarks>
/// One instance per filter, called from every connection's thread. Its one fact, whether the app has a fallback policy,
/// is read on first need and published with <see cref="Volatile"/>; two first calls may both read it, and write the same
/// answer.
/// </remarks>
internal sealed class HubEndpointPolicy
{
    private const int Unknown = 0;
    private const int NoFallbackPolicy = 1;
    private const int FallbackPolicy = 2;

    private int _fallbackPolicy;

    /// <summary>The tier of one call or connect of <paramref name="caller"/>'s hub, described by <paramref name="descriptor"/>.</summary>
    /// <param name="descriptor">The method's (or the hub's connects') facts.</param>
    /// <param name="caller">The connection, whose HTTP request carries the hub's endpoint.</param>
    /// <param name="services">The call's services, which hold the app's authorization policy provider.</param>
    public ValueTask<EventTier> TierOfAsync(HubMethodDescriptor descriptor, HubCallerContext caller, IServiceProvider services)
        => descriptor.Tier == EventTier.None
            ? RaisedTierAsync(caller, services)
            : new ValueTask<EventTier>(descriptor.Tier);

    private async ValueTask<EventTier> RaisedTierAsync(HubCallerContext caller, IServiceProvider services)
        => await EndpointRequiresAuthorizationAsync(caller, services) ? EventTier.AuthOnly : EventTier.None;

    private async ValueTask<bool> EndpointRequiresAuthorizationAsync(HubCallerContext caller, IServiceProvider services)
    {
        var metadata = caller.GetHttpContext()?.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<IAllowAnonymous>() is not null)
        {
            return false;
        }

        if (metadata?.GetMetadata<IAuthorizeData>() is not null || metadata?.GetMetadata<AuthorizationPolicy>() is not null
            || metadata?.GetMetadata<IAuthorizationRequirementData>() is not null)
        {
            return true;
        }

        var known = Volatile.Read(ref _fallbackPolicy);
        if (known == Unknown)
        {
            known = services.GetService<IAuthorizationPolicyProvider>() is { } provider && await provider.GetFallbackPolicyAsync() is not null
                ? FallbackPolicy
                : NoFallbackPolicy;
            Volatile.Write(ref _fallbackPolicy, known);
        }

        return known == FallbackPolicy;
    }
}
