using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

using Tether.Authentication;

namespace Tether.SignalR;

/// <summary>
/// Checks one hub call's <c>[Authorize]</c> data against the user of this call, as the event pipeline authenticated it,
/// not the one the connection was opened with. A refusal is a <see cref="HubException"/>, which the client receives as the
/// call's error.
/// </summary>
/// <remarks>Stateless: everything it reads comes with the call, so any thread may call it.</remarks>
internal static class HubCallAuthorization
{
    /// <summary>Throws a <see cref="HubException"/> when the user of <paramref name="context"/> may not make this call.</summary>
    /// <param name="context">The call's event context: its user, and its services.</param>
    /// <param name="invocation">The call, the resource the app's authorization handlers are given.</param>
    /// <param name="method">The called method's facts.</param>
    public static async Task AuthorizeAsync(HttpContext context, HubInvocationContext invocation, HubMethodDescriptor method)
    {
        if (!method.RequiresAuthorization)
        {
            return;
        }

        var services = context.RequestServices;
        var policy = await EventAuthorizationPolicy.CombineAsync(
            services.GetRequiredService<IAuthorizationPolicyProvider>(), method.AuthorizeData, [], method.RequirementData);
        if (policy is null)
        {
            return;
        }

        var result = await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, invocation, policy);
        if (!result.Succeeded)
        {
            throw new HubException(context.User.Identity?.IsAuthenticated == true
                ? $"Access to '{invocation.HubMethodName}' was denied: the signed-in user does not meet its authorization policy."
                : $"Access to '{invocation.HubMethodName}' was denied: this call is not signed in.");
        }
    }
}
