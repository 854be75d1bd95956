using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Tether.Authentication;

/// <summary>
/// Wraps every cookie scheme's events in <see cref="EventSignInCookieEvents"/>, after the app's and Identity's own
/// configuration set them. A scheme that sets <c>EventsType</c> has its events
/// resolved per request, which nothing can wrap here: a sign-in inside an event then shows its user from the next event on.
/// </summary>
internal sealed class EventSignInCookieSetup : IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions cookie)
    {
        if (cookie.EventsType is null && cookie.Events is not EventSignInCookieEvents)
        {
            cookie.Events = new EventSignInCookieEvents(cookie.Events ?? new CookieAuthenticationEvents());
        }
    }
}
