using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Tether.Authentication;

/// <summary>Which cookie scheme is revocable, and what Tether reads from its principals.</summary>
internal sealed class RevocableScheme(
    IOptions<RevocableSignInOptions> options,
    IOptions<AuthenticationOptions> authentication,
    IOptionsMonitor<CookieAuthenticationOptions> cookies,
    IOptions<IdentityOptions> identity)
{
    private readonly RevocableSignInOptions _options = options.Value;

    // Identity's claim type; absent from the principals of apps without Identity.
    private readonly string _stampClaimType = identity.Value.ClaimsIdentity.SecurityStampClaimType;

    /// <summary>The name of the revocable scheme: the configured one, else the app's default authenticate scheme.</summary>
    public string Name => _options.Scheme
        ?? authentication.Value.DefaultAuthenticateScheme
        ?? authentication.Value.DefaultScheme
        ?? throw new InvalidOperationException(
            "Revocable sign-in needs a cookie scheme: set RevocableSignInOptions.Scheme, or give AddAuthentication(...) a default scheme.");

    public CookieAuthenticationOptions Cookie => cookies.Get(Name);

    /// <summary>How long a ticket of the scheme lives without being used: its records must live at least that long.</summary>
    public TimeSpan Lifetime => Cookie.ExpireTimeSpan;

    public string? UserId(ClaimsPrincipal? principal)
    {
        // Read once: ClaimsPrincipal.Identity enumerates the identities on every call.
        if (principal?.Identity is not { IsAuthenticated: true } identity)
        {
            return null;
        }

        return principal.FindFirstValue(_options.UserIdClaimType) ?? identity.Name;
    }

    public string? SecurityStamp(ClaimsPrincipal? principal) => principal?.FindFirstValue(_stampClaimType);
}
