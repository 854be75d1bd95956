using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tether.Authentication;

/// <summary>
/// Wraps the revocable scheme's <see cref="CookieAuthenticationEvents"/> (the app's, or Identity's with its security-stamp
/// validator) so that every sign-in is recorded, every sign-out revokes, and every authentication, over HTTP and in
/// events alike, checks the sign-in is still valid before the app's own validation runs.
/// </summary>
internal sealed partial class RevocableCookieEvents(
    CookieAuthenticationEvents inner,
    RevocableScheme scheme,
    SignInStore store,
    IOptions<RevocableSignInOptions> options,
    ILogger<RevocableCookieEvents> logger,
    Diagnostics.TetherMetrics? metrics = null) : CookieAuthenticationEvents
{
    private readonly RevocableSignInOptions _options = options.Value;

    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var signInId = context.Properties.GetSignInId();
        if (signInId is null)
        {
            // Issued before the scheme became revocable, or by another app sharing the cookie: it cannot be revoked, so it
            // is not accepted.
            Log.NotRevocable(logger);
            context.RejectPrincipal();
            return;
        }

        bool valid;
        try
        {
            context.Properties.Items.TryGetValue(SignInIdExtensions.GenerationKey, out var generation);
            valid = await store.IsValidAsync(signInId, scheme.UserId(context.Principal), generation, context.HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Fail closed: a sign-in that cannot be checked is not accepted.
            Log.StoreUnavailable(logger, ex);
            metrics?.StoreFailed("signin.check", ex);
            context.RejectPrincipal();
            return;
        }

        if (!valid)
        {
            Log.Revoked(logger);
            context.RejectPrincipal();
            return;
        }

        await inner.ValidatePrincipal(context);
    }

    public override async Task SigningIn(CookieSigningInContext context)
    {
        await inner.SigningIn(context);

        var http = context.HttpContext;
        var principal = context.Principal;
        var userId = scheme.UserId(principal);
        var previous = context.Properties.GetSignInId();
        var lifetime = context.Options.ExpireTimeSpan;
        if (context.Properties.ExpiresUtc is { } expires && context.Properties.IssuedUtc is { } issued && expires - issued > lifetime)
        {
            lifetime = expires - issued;
        }

        var (signInId, generation) = await store.BeginAsync(userId, scheme.SecurityStamp(principal), previous, lifetime, http.RequestAborted);
        context.Properties.Items[SignInIdExtensions.SignInIdKey] = signInId;
        context.Properties.Items[SignInIdExtensions.GenerationKey] = generation;

        if (signInId != previous)
        {
            // A new sign-in starts a new session. The same user signing in again keeps the data under the new id, as
            // Django's cycle_key() does; a guest's data is kept only when the app asked for it.
            var before = scheme.UserId(http.User);
            var sameUser = before is not null && before == userId;
            await RotateSessionAsync(http, sameUser || (before is null && _options.KeepAnonymousSessionOnSignIn), owner: signInId, carryOwned: sameUser);
        }
    }

    public override async Task SigningOut(CookieSigningOutContext context)
    {
        var http = context.HttpContext;

        // The ticket as the cookie carries it, not as validation saw it: when the store is down validation rejects the
        // ticket, and the sign-out must still revoke it, or fail.
        var cookie = context.Options.CookieManager.GetRequestCookie(http, context.Options.Cookie.Name!);
        var ticket = string.IsNullOrEmpty(cookie) ? null : context.Options.TicketDataFormat.Unprotect(cookie);
        if (ticket?.Properties.GetSignInId() is { } signInId)
        {
            // A store failure fails the sign-out: a sign-out that did not revoke must not look as if it did.
            await store.RevokeSignInAsync(signInId, http.RequestAborted);
        }

        await RotateSessionAsync(http, carry: false, owner: null);
        await inner.SigningOut(context);
    }

    // Only when the request has a session: an app without AddSession() has nothing to rotate.
    private static Task RotateSessionAsync(HttpContext http, bool carry, string? owner, bool carryOwned = false)
        => http.Features.Get<ISessionFeature>()?.Session is null
            ? Task.CompletedTask
            : http.RequestServices.GetRequiredService<SessionRotation>().RotateAsync(http, carry, clearOld: true, owner, carryOwned);

    public override Task SignedIn(CookieSignedInContext context) => inner.SignedIn(context);

    public override Task CheckSlidingExpiration(CookieSlidingExpirationContext context) => inner.CheckSlidingExpiration(context);

    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context) => inner.RedirectToLogin(context);

    public override Task RedirectToLogout(RedirectContext<CookieAuthenticationOptions> context) => inner.RedirectToLogout(context);

    public override Task RedirectToReturnUrl(RedirectContext<CookieAuthenticationOptions> context) => inner.RedirectToReturnUrl(context);

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context) => inner.RedirectToAccessDenied(context);

    private static partial class Log
    {
        [LoggerMessage(EventIds.SignInRevoked, LogLevel.Debug, "A revoked sign-in was presented; the request runs as an anonymous user.", EventName = nameof(EventIds.SignInRevoked))]
        public static partial void Revoked(ILogger logger);

        [LoggerMessage(EventIds.SignInStoreUnavailable, LogLevel.Warning, "The sign-in store could not be reached to check a sign-in; the request runs as an anonymous user.", EventName = nameof(EventIds.SignInStoreUnavailable))]
        public static partial void StoreUnavailable(ILogger logger, Exception exception);

        [LoggerMessage(EventIds.SignInNotRevocable, LogLevel.Debug, "An authentication ticket without a revocable sign-in id was rejected.", EventName = nameof(EventIds.SignInNotRevocable))]
        public static partial void NotRevocable(ILogger logger);
    }
}
