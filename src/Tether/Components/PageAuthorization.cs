using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tether.Authentication;
using Tether.Events;

namespace Tether.Components;

/// <summary>
/// Authorizes one circuit event against its page's authorization, with the user of that event, the way the app's
/// <c>AuthorizationMiddleware</c> authorizes a request for the page: the page's <c>[Authorize]</c> data and policies
/// combined by the app's <see cref="IAuthorizationPolicyProvider"/> (the fallback policy included), authenticated with the
/// policy's schemes and evaluated by the app's <see cref="IAuthorizationService"/> through <see cref="IPolicyEvaluator"/>.
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

        var evaluator = services.GetService<IPolicyEvaluator>() ?? ActivatorUtilities.CreateInstance<PolicyEvaluator>(services);
        var authentication = await evaluator.AuthenticateAsync(policy, context);
        var result = await evaluator.AuthorizeAsync(policy, authentication, context, context);
        if (result.Succeeded)
        {
            return null;
        }

        if (!result.Challenged)
        {
            // Forbidden: not the scheme's ForbidAsync (a cookie scheme would navigate away to its access-denied page);
            // the page stays, its event is refused, and AppState.DeniedStatusCode tells the components, as a 403 from
            // the app's event middleware does.
            return new EventOutcome(false, StatusCodes.Status403Forbidden, null) { User = context.User };
        }

        // As AuthorizationMiddlewareResultHandler challenges: each of the policy's schemes, else the default one.
        if (policy.AuthenticationSchemes.Count > 0)
        {
            foreach (var scheme in policy.AuthenticationSchemes)
            {
                await context.ChallengeAsync(scheme);
            }
        }
        else
        {
            await context.ChallengeAsync();
        }

        var location = context.Response.Headers.Location.Count > 0 ? context.Response.Headers.Location[0] : null;
        return new EventOutcome(false, location is null ? StatusCodes.Status401Unauthorized : StatusCodes.Status302Found, location) { User = context.User };
    }
}
