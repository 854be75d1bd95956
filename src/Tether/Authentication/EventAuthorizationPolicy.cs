using Microsoft.AspNetCore.Authorization;

namespace Tether.Authentication;

/// <summary>
/// The policy an event is authorized against, combined from its target's metadata as <c>AuthorizationMiddleware</c>
/// combines an endpoint's: <c>[Authorize]</c> data, policies, and <see cref="IAuthorizationRequirementData"/> (an attribute
/// that carries its own requirements). Shared by a circuit page's check and a hub call's. Stateless.
/// </summary>
internal static class EventAuthorizationPolicy
{
    /// <summary>Whether any of the metadata asks for authorization (before <c>[AllowAnonymous]</c> and the fallback policy).</summary>
    public static bool IsRequested(IReadOnlyCollection<IAuthorizeData> authorizeData, IReadOnlyCollection<AuthorizationPolicy> policies, IReadOnlyCollection<IAuthorizationRequirementData> requirementData)
        => authorizeData.Count > 0 || policies.Count > 0 || requirementData.Count > 0;

    /// <summary>The combined policy, or <see langword="null"/> when the metadata asks for none.</summary>
    public static async Task<AuthorizationPolicy?> CombineAsync(
        IAuthorizationPolicyProvider provider,
        IEnumerable<IAuthorizeData> authorizeData,
        IEnumerable<AuthorizationPolicy> policies,
        IReadOnlyCollection<IAuthorizationRequirementData> requirementData)
    {
        var policy = await AuthorizationPolicy.CombineAsync(provider, authorizeData, policies);
        if (requirementData.Count == 0)
        {
            return policy;
        }

        var requirements = new AuthorizationPolicyBuilder();
        foreach (var data in requirementData)
        {
            requirements.AddRequirements([.. data.GetRequirements()]);
        }

        return policy is null ? requirements.Build() : AuthorizationPolicy.Combine(policy, requirements.Build());
    }
}
