using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;

namespace Tether.Components;

/// <summary>
/// A base class for circuit-scoped state services that need the request context of the event running now, and keep
/// a snapshot of the user for the UI that is refreshed at the start of every event.
/// </summary>
/// <remarks>
/// Register a subclass with <c>services.AddAppState&lt;TState&gt;()</c> and inject it into components; derive the
/// components from <see cref="AppStateComponent{TState}"/> (or subscribe to <see cref="Changed"/>) so they re-render when
/// the snapshot changes, for example on the first click after the user signed out in another tab.
/// </remarks>
public abstract class AppState
{
    private NavigationManager? _navigation;

    /// <summary>Raised when the snapshot properties changed (on the thread of the event that changed them).</summary>
    public event Action? Changed;

    /// <summary>The request of the event running now.</summary>
    /// <exception cref="InvalidOperationException">No event is running.</exception>
    public HttpRequest Request => Current.Request() ?? throw AmbientRequest.NotInEvent();

    /// <summary>The user of the event running now, authenticated afresh for it.</summary>
    /// <exception cref="InvalidOperationException">No event is running.</exception>
    public ClaimsPrincipal User => Request.HttpContext.User;

    /// <summary>The session of the event running now, loaded for it.</summary>
    /// <exception cref="InvalidOperationException">No event is running, or the event pipeline has no session.</exception>
    public ISession Session => Request.HttpContext.Session;

    /// <summary>Whether the user of the latest event was signed in.</summary>
    public bool IsAuthenticated { get; private set; }

    /// <summary>The name of the user of the latest event, or <see langword="null"/> when anonymous.</summary>
    public string? UserName { get; private set; }

    /// <summary>The <see cref="ClaimTypes.NameIdentifier"/> of the user of the latest event, or <see langword="null"/>.</summary>
    public string? UserId { get; private set; }

    /// <summary>The roles of the user of the latest event.</summary>
    public IReadOnlyList<string> Roles { get; private set; } = [];

    /// <summary>
    /// The status code with which the event pipeline refused the latest event (401, 403, 429 from the app's rate limiter, 400
    /// when the page location was one Tether rejects, or 503 when the session store was down), or with which
    /// <see cref="AuthorizeAsync"/> refused its handler; <see langword="null"/> when it ran.
    /// </summary>
    public int? DeniedStatusCode { get; private set; }

    /// <summary>Navigates the user's browser, from an event handler, to <paramref name="url"/>.</summary>
    /// <param name="url">A URL on this app, such as <c>/Account/Login?returnUrl=%2Fbilling</c>.</param>
    /// <param name="forceLoad">Load the page over HTTP even when the router could handle it.</param>
    /// <exception cref="InvalidOperationException">The state was not created by the circuit's services.</exception>
    public void Redirect(string url, bool forceLoad = false)
        => (_navigation ?? throw new InvalidOperationException(
            $"{GetType().Name} was not registered with services.AddAppState<{GetType().Name}>(), so it cannot navigate."))
            .NavigateTo(url, forceLoad);

    /// <summary>
    /// Authorizes the event handler running now against the authorization policy <paramref name="policy"/>, with the user
    /// of this event, as a page's <c>[Authorize]</c> is checked on its events: through the app's
    /// <c>IAuthorizationService</c>, authenticated with the policy's schemes. Guards one action of a public page.
    /// </summary>
    /// <param name="policy">The name of a policy the app registered (<c>AddAuthorizationBuilder().AddPolicy(...)</c>).</param>
    /// <param name="resource">The resource the policy's handlers are given; the event's <see cref="HttpContext"/> when omitted.</param>
    /// <returns>
    /// <see langword="true"/> when the user meets the policy. <see langword="false"/> when not, already answered: a user who
    /// is not signed in is sent to the scheme's login page with this page as its return URL; a signed-in user, or a policy
    /// that cannot be evaluated, leaves the page with 403 (or 500) in <see cref="DeniedStatusCode"/>. Return from the
    /// handler then.
    /// </returns>
    /// <exception cref="InvalidOperationException">No event is running.</exception>
    public Task<bool> AuthorizeAsync(string policy, object? resource = null) => HandlerAuthorization.AuthorizeAsync(this, policy, resource);

    /// <summary>
    /// Called at the start of every event, after the snapshot properties were read, so a subclass can refresh its own
    /// snapshot values. Call <see cref="NotifyChanged"/> when they changed.
    /// </summary>
    /// <param name="context">The event's synthetic HTTP context.</param>
    protected virtual void OnRefresh(HttpContext context)
    {
    }

    /// <summary>Raises <see cref="Changed"/>.</summary>
    protected void NotifyChanged() => Changed?.Invoke();

    internal void Attach(NavigationManager navigation) => _navigation = navigation;

    internal void Refresh(HttpContext context, int? deniedStatusCode)
    {
        var user = context.User;
        var authenticated = user.Identity?.IsAuthenticated == true;
        var name = authenticated ? user.Identity!.Name : null;
        var id = authenticated ? user.FindFirstValue(ClaimTypes.NameIdentifier) : null;
        var rolesChanged = !RolesEqual(authenticated ? user : null, Roles);

        var changed = authenticated != IsAuthenticated || name != UserName || id != UserId
            || rolesChanged || deniedStatusCode != DeniedStatusCode;
        IsAuthenticated = authenticated;
        UserName = name;
        UserId = id;
        if (rolesChanged)
        {
            Roles = authenticated ? RolesOf(user) : [];
        }

        DeniedStatusCode = deniedStatusCode;

        OnRefresh(context);
        if (changed)
        {
            NotifyChanged();
        }
    }

    internal void Deny(int statusCode)
    {
        DeniedStatusCode = statusCode;
        NotifyChanged();
    }

    // Compared claim by claim, so an event whose user kept the same roles allocates nothing for them.
    private static bool RolesEqual(ClaimsPrincipal? user, IReadOnlyList<string> roles)
    {
        var i = 0;
        if (user is not null)
        {
            foreach (var identity in user.Identities)
            {
                foreach (var claim in identity.FindAll(identity.RoleClaimType))
                {
                    if (i >= roles.Count || roles[i++] != claim.Value)
                    {
                        return false;
                    }
                }
            }
        }

        return i == roles.Count;
    }

    private static string[] RolesOf(ClaimsPrincipal user)
    {
        var roles = new List<string>();
        foreach (var identity in user.Identities)
        {
            foreach (var claim in identity.FindAll(identity.RoleClaimType))
            {
                roles.Add(claim.Value);
            }
        }

        return [.. roles];
    }
}
