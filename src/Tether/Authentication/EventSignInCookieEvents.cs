using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Tether.Events;

namespace Tether.Authentication;

/// <summary>
/// Wraps a cookie scheme's events so that a sign-in or a sign-out inside a socket event changes that event's user at
/// once: <see cref="HttpContext.User"/> and the authentication result the event ends with (so the circuit's
/// <c>AuthenticationStateProvider</c>, the <c>AppState</c> snapshots and <see cref="Current.User"/> show the new user in
/// the render the handler causes, and the connection follows the new sign-in). Over HTTP the new user arrives with the
/// next request, which a socket event has none of; HTTP requests are left exactly as the framework has them.
/// </summary>
/// <remarks>
/// Only the scheme the event's authentication ran (the default authenticate scheme) moves the user: a sign-in to
/// Identity's two-factor or external schemes does not. <c>SignInManager</c> sets <see cref="HttpContext.User"/> after a
/// sign-in itself; a plain <c>HttpContext.SignInAsync</c> and every sign-out do not. Stateless besides its inner events.
/// </remarks>
internal sealed class EventSignInCookieEvents(CookieAuthenticationEvents inner) : CookieAuthenticationEvents
{
    private static readonly ClaimsPrincipal s_anonymous = new(new ClaimsIdentity());

    public override async Task SignedIn(CookieSignedInContext context)
    {
        await inner.SignedIn(context);
        if (context.Principal is { } principal && await IsEventsOwnSchemeAsync(context.HttpContext, context.Scheme.Name))
        {
            Show(context.HttpContext, AuthenticateResult.Success(new AuthenticationTicket(principal, context.Properties, context.Scheme.Name)), principal);
        }
    }

    public override async Task SigningOut(CookieSigningOutContext context)
    {
        await inner.SigningOut(context);
        if (await IsEventsOwnSchemeAsync(context.HttpContext, context.Scheme.Name))
        {
            Show(context.HttpContext, AuthenticateResult.NoResult(), s_anonymous);
        }
    }

    private static async ValueTask<bool> IsEventsOwnSchemeAsync(HttpContext http, string scheme)
        => http.Features.Get<EventFeature>() is not null
            && http.RequestServices.GetService<IAuthenticationSchemeProvider>() is { } schemes
            && (await schemes.GetDefaultAuthenticateSchemeAsync())?.Name == scheme;

    private static void Show(HttpContext http, AuthenticateResult result, ClaimsPrincipal user)
    {
        // Kept on the event's own feature as well: setting HttpContext.User, as SignInManager does right after it signed
        // in, clears IAuthenticateResultFeature (the framework's AuthenticationFeatures keeps the two consistent), and
        // the event's outcome must still name the sign-in the connection now holds.
        if (http.Features.Get<EventFeature>() is { } tether)
        {
            tether.SignInChanged = true;
            tether.SignedIn = result.Properties;
        }

        if (http.Features.Get<IAuthenticateResultFeature>() is { } feature)
        {
            feature.AuthenticateResult = result;
        }
        else
        {
            http.Features.Set<IAuthenticateResultFeature>(new SignedInResult { AuthenticateResult = result });
        }

        http.User = user;
    }

    public override Task ValidatePrincipal(CookieValidatePrincipalContext context) => inner.ValidatePrincipal(context);

    public override Task SigningIn(CookieSigningInContext context) => inner.SigningIn(context);

    public override Task CheckSlidingExpiration(CookieSlidingExpirationContext context) => inner.CheckSlidingExpiration(context);

    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context) => inner.RedirectToLogin(context);

    public override Task RedirectToLogout(RedirectContext<CookieAuthenticationOptions> context) => inner.RedirectToLogout(context);

    public override Task RedirectToReturnUrl(RedirectContext<CookieAuthenticationOptions> context) => inner.RedirectToReturnUrl(context);

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context) => inner.RedirectToAccessDenied(context);

    private sealed class SignedInResult : IAuthenticateResultFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; }
    }
}
