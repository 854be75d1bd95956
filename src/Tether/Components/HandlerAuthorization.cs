using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tether.Authentication;
using Tether.Events;

namespace Tether.Components;

/// <summary>
/// <see cref="AppState.AuthorizeAsync"/>: authorizes the circuit event handler running now against one policy, with the
/// event's user, and answers as a page's <c>[Authorize]</c> check answers its events (<see cref="PageAuthorization"/>):
/// a user who is not signed in goes to the scheme's login page (forced load, with the page as <c>ReturnUrl</c>), a
/// signed-in one sees 403 in <see cref="AppState.DeniedStatusCode"/>, and the page stays. A policy that cannot be evaluated
/// (an unknown name, a handler that throws) refuses the handler with a 500, logged once, rather than crash the circuit or
/// run the handler unprotected.
/// </summary>
/// <remarks>Concurrency: stateless; called on the circuit's dispatcher, from the handler.</remarks>
internal static class HandlerAuthorization
{
    public static async Task<bool> AuthorizeAsync(AppState state, string policyName, object? resource)
    {
        ArgumentNullException.ThrowIfNull(policyName);
        var context = Current.HttpContext() ?? throw AmbientRequest.NotInEvent();
        var logger = context.RequestServices.GetService<ILogger<AppState>>() ?? (ILogger)NullLogger.Instance;
        EventOutcome? refusal;
        try
        {
            var policy = await EventAuthorization.PolicyAsync(context, policyName);
            refusal = await EventAuthorization.AuthorizeAsync(context, policy, resource ?? context);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            EventAuthorization.HandlerCheckFailed(logger, policyName, ex);
            refusal = new EventOutcome(false, StatusCodes.Status500InternalServerError, null);
        }

        if (refusal is not { } refused)
        {
            return true;
        }

        EventAuthorization.HandlerRefused(logger, policyName, refused.StatusCode);
        if (refused.IsRedirect)
        {
            state.Redirect(refused.Location!, forceLoad: true);
        }
        else
        {
            state.Deny(refused.StatusCode);
        }

        return false;
    }
}
