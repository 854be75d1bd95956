using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tether.Authentication;

namespace Tether.SignalR;

/// <summary>
/// <see cref="AppHub.AuthorizeAsync"/>: authorizes the hub call running now against one policy, with the call's user, as
/// <see cref="HubCallAuthorization"/> checks a method's <c>[Authorize]</c>. A refusal is a <see cref="HubException"/>, the
/// one exception whose message SignalR sends to the caller; the connection stays open. A policy that cannot be evaluated
/// (an unknown name, a handler that throws) refuses the call, logged once, rather than let it go on.
/// </summary>
/// <remarks>Concurrency: stateless, so any thread.</remarks>
internal static class HubHandlerAuthorization
{
    public static async Task AuthorizeAsync(string policyName, object? resource)
    {
        ArgumentNullException.ThrowIfNull(policyName);
        var context = AppHubContext.Request.HttpContext;
        var logger = context.RequestServices.GetService<ILogger<AppHub>>() ?? (ILogger)NullLogger.Instance;
        PolicyAuthorizationResult result;
        try
        {
            var policy = await EventAuthorization.PolicyAsync(context, policyName);
            result = await EventAuthorization.EvaluateAsync(context, policy, resource ?? context);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            EventAuthorization.HandlerCheckFailed(logger, policyName, ex);
            throw new HubException($"Access was denied: the authorization policy '{policyName}' could not be evaluated.");
        }

        if (result.Succeeded)
        {
            return;
        }

        EventAuthorization.HandlerRefused(logger, policyName, result.Challenged ? 401 : 403);
        throw new HubException(result.Challenged
            ? $"Access was denied: this call is not signed in, and the authorization policy '{policyName}' requires it."
            : $"Access was denied: the signed-in user does not meet the authorization policy '{policyName}'.");
    }
}
