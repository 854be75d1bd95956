using Microsoft.AspNetCore.Authentication.Cookies;

namespace Tether.Tests.Authentication;

/// <summary>
/// Users revoked on the server after they signed in, as Identity's security stamp validation sees them: a signed-out
/// user's cookie no longer authenticates, a demoted user's keeps the sign-in but loses its roles. Safe to change while
/// the server validates cookies.
/// </summary>
internal sealed class RevokedUsers
{
    private readonly ConcurrentDictionary<string, Revocation> _users = new();

    private enum Revocation
    {
        SignedOut,
        Demoted,
    }

    public void SignOut(string name) => _users[name] = Revocation.SignedOut;

    public void Demote(string name) => _users[name] = Revocation.Demoted;

    /// <summary>The cookie handler's <see cref="CookieAuthenticationEvents.OnValidatePrincipal"/>.</summary>
    public Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal?.Identity?.Name is { } name && _users.TryGetValue(name, out var revocation))
        {
            if (revocation == Revocation.SignedOut)
            {
                context.RejectPrincipal();
            }
            else
            {
                var identity = context.Principal.Identities.First();
                context.ReplacePrincipal(new ClaimsPrincipal(new ClaimsIdentity(
                    identity.Claims.Where(c => c.Type != identity.RoleClaimType), identity.AuthenticationType)));
            }
        }

        return Task.CompletedTask;
    }
}
