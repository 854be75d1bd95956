using Microsoft.AspNetCore.Identity;

namespace Tether.Authentication;

/// <summary>
/// Sees every user Identity saves (user validators run before every <c>UserManager</c> update), and revokes the user's
/// sign-ins when the security stamp is no longer the one their sign-ins were issued under. So
/// <c>UpdateSecurityStampAsync</c>, a password change or a new two-factor setting revokes at once, with no app code, where
/// Identity's own <c>SecurityStampValidator</c> would notice only after its validation interval (30 minutes by default).
/// </summary>
/// <typeparam name="TUser">The app's user type.</typeparam>
internal sealed class SecurityStampWatcher<TUser>(SignInStore store, RevocableScheme scheme) : IUserValidator<TUser>
    where TUser : class
{
    public async Task<IdentityResult> ValidateAsync(UserManager<TUser> manager, TUser user)
    {
        if (manager.SupportsUserSecurityStamp && await manager.GetSecurityStampAsync(user) is { } stamp)
        {
            await store.StampObservedAsync(await manager.GetUserIdAsync(user), stamp, scheme.Lifetime, CancellationToken.None);
        }

        return IdentityResult.Success;
    }
}
