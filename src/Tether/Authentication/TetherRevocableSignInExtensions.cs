using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tether;
using Tether.Authentication;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Extension methods to make cookie sign-ins revocable.
/// </summary>
public static class TetherRevocableSignInExtensions
{
    /// <summary>
    /// Makes the sign-ins of the app's cookie scheme (Identity's application cookie, or plain cookie authentication)
    /// revocable on the server. A sign-out anywhere, <see cref="ISignInRevoker"/>, or (with Identity) a security-stamp
    /// change makes the very next request or socket event of every connection holding that sign-in anonymous; open circuits
    /// and bridged hub connections are told at once. Each sign-in and sign-out also starts a new session.
    /// </summary>
    /// <remarks>
    /// The records live in the app's <c>IDistributedCache</c>, beside the sessions: scale out with a shared cache and a
    /// shared <see cref="ISignInRevocationBus"/>. Tickets issued before this was turned on are no longer accepted.
    /// </remarks>
    /// <param name="builder">The <see cref="ITetherBuilder"/> from <c>AddTether()</c>.</param>
    /// <param name="configure">Configures <see cref="RevocableSignInOptions"/>.</param>
    /// <returns>The <paramref name="builder"/>.</returns>
    public static ITetherBuilder AddRevocableSignIn(this ITetherBuilder builder, Action<RevocableSignInOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RevocableSignInOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RevocableSignInOptions>, RevocableSignInOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<RevocableScheme>();
        services.TryAddSingleton<SignInStore>();
        services.TryAddSingleton<SessionRotation>();
        services.TryAddSingleton<ISignInRevocationBus, InProcessSignInRevocationBus>();
        services.TryAddSingleton<RevocationListeners>();
        services.TryAddSingleton<ISignInRevoker, SignInRevoker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CookieAuthenticationOptions>, RevocableCookieOptionsSetup>());

        // Runs for every user type Identity saves; with no Identity in the app it is never resolved.
        services.TryAddEnumerable(ServiceDescriptor.Scoped(typeof(IUserValidator<>), typeof(SecurityStampWatcher<>)));
        return builder;
    }
}
