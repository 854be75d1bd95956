using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace Tether.Components;

/// <summary>
/// Keeps a circuit's <see cref="AuthenticationStateProvider"/> on the user of its latest event. Blazor sets it once, from
/// the connection's handshake, and its revalidation (when the app uses one) runs every 30 minutes; so without this,
/// <c>AuthorizeView</c>, <c>[CascadingParameter] Task&lt;AuthenticationState&gt;</c> and <c>[Authorize]</c> pages keep the
/// handshake's user after a sign-out, a sign-in or a role change elsewhere.
/// </summary>
/// <remarks>Concurrency: used on the circuit's dispatcher only (through <see cref="CircuitUi"/>), so it takes no lock.</remarks>
internal sealed class CircuitUser(AuthenticationStateProvider? provider)
{
    private readonly IHostEnvironmentAuthenticationStateProvider? _settable = provider as IHostEnvironmentAuthenticationStateProvider;
    private ClaimsPrincipal? _current;

    /// <summary>Sets the circuit's authentication state to <paramref name="user"/> when it is another user than the current one.</summary>
    public void SetUser(ClaimsPrincipal? user)
    {
        if (_settable is null || user is null)
        {
            return;
        }

        var current = _current ?? Initial();
        if (current is not null && SameUser(current, user))
        {
            return;
        }

        _current = user;
        _settable.SetAuthenticationState(Task.FromResult(new AuthenticationState(user)));
    }

    private ClaimsPrincipal? Initial()
    {
        try
        {
            var state = provider!.GetAuthenticationStateAsync();
            return state.IsCompletedSuccessfully ? state.Result.User : null;
        }
        catch (InvalidOperationException)
        {
            // ServerAuthenticationStateProvider throws until the circuit set its first state.
            return null;
        }
    }

    /// <summary>Whether two principals show the same user to the UI: signed in or not, name, id and roles.</summary>
    internal static bool SameUser(ClaimsPrincipal a, ClaimsPrincipal b)
    {
        var signedIn = a.Identity?.IsAuthenticated == true;
        if (signedIn != (b.Identity?.IsAuthenticated == true))
        {
            return false;
        }

        if (!signedIn || ReferenceEquals(a, b))
        {
            return true;
        }

        // Two signed-in principals with neither a name nor an id cannot be told apart: show the new one.
        var id = a.FindFirstValue(ClaimTypes.NameIdentifier);
        if (a.Identity!.Name is null && id is null)
        {
            return false;
        }

        return a.Identity!.Name == b.Identity!.Name
            && id == b.FindFirstValue(ClaimTypes.NameIdentifier)
            && a.FindAll(ClaimTypes.Role).Select(c => c.Value).SequenceEqual(b.FindAll(ClaimTypes.Role).Select(c => c.Value));
    }
}
