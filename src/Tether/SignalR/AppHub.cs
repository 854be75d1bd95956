using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;

namespace Tether.SignalR;

/// <summary>
/// A hub whose methods see the request context of the call running now: the user and session are read afresh for
/// every call by the app's own middleware, not frozen at connect time. Bridge it with <c>AddSignalR().AddTether()</c>.
/// </summary>
public abstract class AppHub : Hub
{
    /// <summary>The request of this call: the connection's handshake data at the page location the client reported.</summary>
    /// <exception cref="InvalidOperationException">The hub is not bridged by Tether.</exception>
    protected HttpRequest Request => AppHubContext.Request;

    /// <summary>The user of this call, authenticated afresh for it (unlike <see cref="HubCallerContext.User"/>).</summary>
    protected ClaimsPrincipal User => AppHubContext.Request.HttpContext.User;

    /// <summary>The session of this call, loaded for it; writes are saved when the call returns.</summary>
    protected ISession Session => AppHubContext.Request.HttpContext.Session;

    /// <summary>Called by Tether's client helpers when the page navigates; the new location applies to the next calls.</summary>
    /// <param name="location">The page's path and query.</param>
    /// <returns>A completed task: Tether's hub filter records the location before this runs.</returns>
    [HubMethodName(TetherHubFilter.LocationMethodName)]
    public Task SetLocation(string location) => Task.CompletedTask;

    /// <summary>
    /// Authorizes the rest of this call against the authorization policy <paramref name="policy"/>, with the user of this
    /// call (not the connection's), through the app's <c>IAuthorizationService</c>: the same check as a method's
    /// <c>[Authorize(Policy = ...)]</c>, for a method that decides part-way (or for one resource) whether it may go on.
    /// </summary>
    /// <param name="policy">The name of a policy the app registered.</param>
    /// <param name="resource">The resource the policy's handlers are given; the call's <see cref="HttpContext"/> when omitted.</param>
    /// <returns>A task that completes when the user meets the policy.</returns>
    /// <exception cref="HubException">
    /// The call is not signed in, its user does not meet the policy, or the policy could not be evaluated: the call fails
    /// with this message, and the connection stays open.
    /// </exception>
    protected Task AuthorizeAsync(string policy, object? resource = null) => HubHandlerAuthorization.AuthorizeAsync(policy, resource);
}

/// <summary>
/// A strongly typed <see cref="AppHub"/>.
/// </summary>
/// <typeparam name="TClient">The client interface.</typeparam>
public abstract class AppHub<TClient> : Hub<TClient>
    where TClient : class
{
    /// <inheritdoc cref="AppHub.Request"/>
    protected HttpRequest Request => AppHubContext.Request;

    /// <inheritdoc cref="AppHub.User"/>
    protected ClaimsPrincipal User => AppHubContext.Request.HttpContext.User;

    /// <inheritdoc cref="AppHub.Session"/>
    protected ISession Session => AppHubContext.Request.HttpContext.Session;

    /// <inheritdoc cref="AppHub.SetLocation"/>
    [HubMethodName(TetherHubFilter.LocationMethodName)]
    public Task SetLocation(string location) => Task.CompletedTask;

    /// <inheritdoc cref="AppHub.AuthorizeAsync"/>
    protected Task AuthorizeAsync(string policy, object? resource = null) => HubHandlerAuthorization.AuthorizeAsync(policy, resource);
}

internal static class AppHubContext
{
    public static HttpRequest Request => Current.Request() ?? throw new InvalidOperationException(
        "This hub call is not running inside a Tether event. Bridge the hub with builder.Services.AddSignalR().AddTether() " +
        "(or AddTether<THub>()), and read Request, User and Session only inside hub methods.");
}
