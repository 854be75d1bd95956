using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tether.Authentication;
using Tether.Events;

namespace Tether.Components;

/// <summary>
/// Authorizes one circuit event against its page's authorization, with the user of that event, the way the app's
/// <c>AuthorizationMiddleware</c> authorizes a request for the page: the page's <c>[Authorize]</c> data and policies
/// combined by the app's <see cref="IAuthorizationPolicyProvider"/> (the fallback policy included), then evaluated and
/// answered by <see cref="EventAuthorization"/>.
/// </summary>
/// <remarks>Concurrency: stateless, so any thread.</remarks>
internal static class PageAuthorization
{
    /// <summary>
    /// <see langword="null"/> when the event may run; otherwise the refusal: a challenge (with the <c>Location</c> the
    /// scheme's challenge set, for a cookie scheme its login path with the page as <c>ReturnUrl</c>) or a 403.
    /// </summary>
    public static async Task<EventOutcome?> AuthorizeAsync(HttpContext context, PageEndpoint page)
    {
        if (page.AllowAnonymous)
        {
            return null;
        }

        var services = context.RequestServices;
        var policy = await EventAuthorizationPolicy.CombineAsync(
            services.GetRequiredService<IAuthorizationPolicyProvider>(), page.AuthorizeData, page.Policies, page.RequirementData);

        if (policy is null)
        {
            return null;
        }

        return await EventAuthorization.AuthorizeAsync(context, policy, context);
    }
}
