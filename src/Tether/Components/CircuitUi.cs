using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Tether.Events;

namespace Tether.Components;

/// <summary>
/// Shows a circuit's UI what its events decided: their user (Blazor's authentication state, through
/// <see cref="CircuitUser"/>), the <see cref="AppState"/> snapshots, and a refusal: a navigation for a redirect,
/// <see cref="AppState.DeniedStatusCode"/> otherwise.
/// </summary>
/// <remarks>
/// Concurrency: used on the circuit's dispatcher (by an event, or by the revocation re-check posted to it), as the
/// components it updates require; it keeps no state of its own.
/// </remarks>
internal sealed class CircuitUi(CircuitUser user, AppStateTracker states, NavigationManager navigation)
{
    /// <summary>Shows the user and the state of an event in progress (its context).</summary>
    /// <remarks>
    /// The snapshots first, then Blazor's authentication state: whatever re-renders on the auth state's change (an
    /// <c>AuthorizeView</c>, an app's handler of <c>AuthenticationStateChanged</c>) already reads the new snapshots.
    /// </remarks>
    public void ShowEvent(HttpContext context)
    {
        states.Refresh(context);
        user.SetUser(context.User);
    }

    /// <summary>Sets Blazor's authentication state to <paramref name="principal"/>, when it is another user.</summary>
    public void ShowUser(ClaimsPrincipal? principal) => user.SetUser(principal);

    /// <summary>A redirect navigates the circuit away; any other refusal shows its status code.</summary>
    public void ShowRefusal(EventOutcome outcome)
    {
        if (outcome.IsRedirect)
        {
            NavigateAway(outcome.Location!);
        }
        else
        {
            ShowDenied(outcome.StatusCode);
        }
    }

    public void ShowDenied(int statusCode) => states.Deny(statusCode);

    /// <summary>Loads <paramref name="url"/> in the browser, leaving the circuit.</summary>
    public void NavigateAway(string url) => navigation.NavigateTo(url, forceLoad: true);
}
