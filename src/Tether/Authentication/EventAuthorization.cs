using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tether.Events;

namespace Tether.Authentication;

/// <summary>
/// Evaluates one authorization policy against the user of one event and answers as the app's <c>AuthorizationMiddleware</c>
/// answers a request: authenticated with the policy's schemes and evaluated by the app's <see cref="IAuthorizationService"/>
/// through <see cref="IPolicyEvaluator"/>; a user who is not signed in is challenged (each of the policy's schemes, else the
/// default one: for a cookie scheme a redirect to its login path with the event's page as <c>ReturnUrl</c>), a signed-in
/// one is forbidden (403). Shared by a circuit page's check and the handler's own (<c>AppState.AuthorizeAsync</c>,
/// <c>AppHub.AuthorizeAsync</c>).
/// </summary>
/// <remarks>Concurrency: stateless, so any thread.</remarks>
internal static partial class EventAuthorization
{
    /// <summary>The policy registered as <paramref name="policyName"/>, as <c>[Authorize(Policy = ...)]</c> names it.</summary>
    /// <exception cref="InvalidOperationException">The app has no policy of that name.</exception>
    public static async Task<AuthorizationPolicy> PolicyAsync(HttpContext context, string policyName)
        => await AuthorizationPolicy.CombineAsync(
            context.RequestServices.GetRequiredService<IAuthorizationPolicyProvider>(), [new AuthorizeAttribute(policyName)])
            ?? throw new InvalidOperationException($"No authorization policy is named '{policyName}'.");

    /// <summary>
    /// <see langword="null"/> when the event's user meets <paramref name="policy"/> for <paramref name="resource"/>; otherwise
    /// the refusal: a challenge (a 302 with the <c>Location</c> the scheme's challenge set, or a 401 when it set none) or a 403.
    /// </summary>
    public static async Task<EventOutcome?> AuthorizeAsync(HttpContext context, AuthorizationPolicy policy, object? resource)
    {
        var result = await EvaluateAsync(context, policy, resource);
        if (result.Succeeded)
        {
            return null;
        }

        if (!result.Challenged)
        {
            // Forbidden: not the scheme's ForbidAsync (a cookie scheme would navigate away to its access-denied page); the
            // page stays, the event is refused, and AppState.DeniedStatusCode tells the components, as a 403 from the app's
            // event middleware does.
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

    /// <summary>
    /// The verdict alone, with no challenge: succeeded, challenged (the policy's schemes found no signed-in user) or
    /// forbidden. A hub call answers it with its own error rather than with a scheme's challenge.
    /// </summary>
    public static async Task<PolicyAuthorizationResult> EvaluateAsync(HttpContext context, AuthorizationPolicy policy, object? resource)
    {
        var services = context.RequestServices;
        var evaluator = services.GetService<IPolicyEvaluator>() ?? ActivatorUtilities.CreateInstance<PolicyEvaluator>(services);
        var authentication = await evaluator.AuthenticateAsync(policy, context);
        return await evaluator.AuthorizeAsync(policy, authentication, context, resource);
    }

    /// <summary>A handler's own check (not a page's) could not be evaluated: the handler is refused, with a 500.</summary>
    [LoggerMessage(EventIds.HandlerAuthorizationFailed, LogLevel.Error, "The authorization policy '{Policy}' of an event's handler could not be evaluated; the handler was refused.", EventName = nameof(EventIds.HandlerAuthorizationFailed))]
    public static partial void HandlerCheckFailed(ILogger logger, string policy, Exception exception);

    /// <summary>A handler's own check refused the event's user.</summary>
    [LoggerMessage(EventIds.HandlerAuthorizationRefused, LogLevel.Debug, "The authorization policy '{Policy}' of an event's handler refused its user ({StatusCode}).", EventName = nameof(EventIds.HandlerAuthorizationRefused))]
    public static partial void HandlerRefused(ILogger logger, string policy, int statusCode);
}
